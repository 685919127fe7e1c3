using SkyPilot.Core.Api;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

/// <summary>Issue 12: the API server's own view of the clouds decides before anything is staged.</summary>
public sealed class ServerViewPrecheckTests : IAsyncLifetime
{
    private readonly RecordingLog _log = new();
    private JobWorld _world = null!;

    public async Task InitializeAsync() => _world = await JobWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private int Uploads => _world.Gcp.Server.Requests.Count(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal));

    private async Task<ManagedJob> SubmitAsync(string taskPath)
    {
        var env = _world.Gcp.Environment();
        var submitter = new JobSubmitter(CloudCheckService.CreateDefault(env, _log, SharedHttpClient.Instance), SharedHttpClient.Instance, _log);
        var plan = submitter.Plan(TaskParser.ParseFile(taskPath, _world.TaskDirectory), null, env, default);
        await submitter.PrecheckAsync(plan, env, default);
        return await submitter.SubmitAsync(plan, null, env, _ => { }, default);
    }

    [Fact]
    public async Task Seed_scenario_the_servers_check_says_storage_is_disabled_so_nothing_is_uploaded_then_a_recheck_lets_it_launch_once()
    {
        _world.Api.SetCachedCloud("GCP", "compute");
        _world.Api.SetCheckFinds("GCP", ["compute"], "the server's credentials lack storage.buckets.list");
        var task = _world.WriteTask();

        var error = await Assert.ThrowsAsync<PrecheckFailedException>(() => SubmitAsync(task));

        error.Message.Should().Contain("your identity can use GCP storage; the API server's check says GCP storage is disabled: [storage] the server's credentials lack storage.buckets.list")
            .And.Contain("Nothing was uploaded");
        Uploads.Should().Be(0);
        _world.Api.Launches.Should().BeEmpty();
        _world.Api.Checks.Should().ContainSingle().Which.Should().Contain("gcp");

        // The server's credentials are fixed: its next check agrees, and the job is staged and launched once.
        _world.Api.SetCheckFinds("GCP", ["compute", "storage"]);
        var job = await SubmitAsync(task);

        job.JobId.Should().Be(1);
        _world.Api.Launches.Should().ContainSingle();
        Uploads.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task The_server_is_asked_again_only_when_the_identity_changed()
    {
        var task = _world.Gcp.Temp.WriteFile(Path.Combine("project", "plain.yaml"), "resources:\n  infra: gcp\nrun: echo\n");
        await SubmitAsync(task);
        await SubmitAsync(task);
        _world.Api.Checks.Should().HaveCount(1, "the second submission has the same identity the server checked for");

        _world.Gcp.ServiceAccount("other", "project-a", GcpWorld.AllPermissions());
        _world.Gcp.UseKey("other");
        await SubmitAsync(task);
        _world.Api.Checks.Should().HaveCount(2);
    }

    [Fact]
    public async Task A_task_without_a_cloud_is_checked_against_the_clouds_the_server_has_enabled()
    {
        _world.Api.SetCachedCloud("GCP");
        _world.Api.SetCachedCloud("Nebius");
        _world.Api.SetCachedCloud("Kubernetes");
        _world.Api.SetCheckFinds("GCP", [], "no credentials on the server");
        var task = _world.Gcp.Temp.WriteFile(Path.Combine("project", "any.yaml"), "run: echo\n");

        var error = await Assert.ThrowsAsync<PrecheckFailedException>(() => SubmitAsync(task));

        error.Message.Should().Contain("GCP compute is disabled: [compute, storage] no credentials on the server");
        _world.Api.Launches.Should().BeEmpty();
    }

    [Fact]
    public async Task The_server_validates_the_task_as_it_will_be_launched_before_anything_is_staged()
    {
        var task = _world.WriteTask(extra: "experimental_field: 1\n");

        var error = await Assert.ThrowsAsync<PrecheckFailedException>(() => SubmitAsync(task));

        error.Message.Should().Contain("as the API server validates it").And.Contain("InvalidSkyPilotConfigError").And.Contain("'experimental_field' was unexpected");
        Uploads.Should().Be(0);
        _world.Api.Launches.Should().BeEmpty();
    }

    [Fact]
    public async Task A_local_server_gets_the_identity_variables_a_remote_one_does_not()
    {
        var task = _world.Gcp.Temp.WriteFile(Path.Combine("project", "plain.yaml"), "resources:\n  infra: gcp\nrun: echo\n");
        _world.Gcp.Set("AWS_PROFILE", "team");
        await SubmitAsync(task);
        var local = _world.Api.Launches.Last().EnvVars;
        local.Should().ContainKey("GOOGLE_APPLICATION_CREDENTIALS").And.ContainKey("AWS_PROFILE");
        _log.Lines.Should().NotContain(l => l.Contains(_world.Gcp.Variables["GOOGLE_APPLICATION_CREDENTIALS"]) && l.Contains("env_vars"));

        _world.Gcp.Set("SKYPILOT_PS_API_SERVER_LOCATION", "remote");
        await SubmitAsync(task);
        _world.Api.Launches.Last().EnvVars.Should().NotContainKey("GOOGLE_APPLICATION_CREDENTIALS").And.NotContainKey("AWS_PROFILE");
    }

    [Fact]
    public async Task For_a_remote_server_its_view_decides_compute_and_ours_is_only_shown()
    {
        _world.Gcp.Set("SKYPILOT_PS_API_SERVER_LOCATION", "remote");
        _world.Gcp.Set("GOOGLE_CLOUD_PROJECT", "project-b"); // our identity lacks compute there
        var task = _world.Gcp.Temp.WriteFile(Path.Combine("project", "plain.yaml"), "resources:\n  infra: gcp\nrun: echo\n");

        var job = await SubmitAsync(task);

        job.JobId.Should().Be(1);
    }
}
