using SkyPilot.Core.Api;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

/// <summary>
/// Issue 10 items 1-2 through a fault-injecting proxy in front of the API server: a lost launch answer is never matched
/// to another job, never reported as "not submitted", and the same submission run again finds its launch instead of
/// making a second job.
/// </summary>
public sealed class LaunchFaultTests : IAsyncLifetime
{
    private readonly RecordingLog _log = new();
    private JobWorld _world = null!;
    private FaultProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _world = await JobWorld.StartAsync();
        _proxy = FaultProxy.Start(_world.Api.BaseUrl);
        _world.Gcp.Set("SKYPILOT_API_SERVER_ENDPOINT", _proxy.BaseUrl);
        _world.Gcp.Set("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "2");
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _world.DisposeAsync();
    }

    private string Task(string name, string run = "echo hi") =>
        _world.Gcp.Temp.WriteFile(Path.Combine("project", name + ".yaml"), "name: " + name + "\nresources:\n  infra: gcp\nrun: " + run + "\n");

    private async Task<ManagedJob> SubmitAsync(string taskPath, string? name = null)
    {
        var env = _world.Gcp.Environment();
        var submitter = new JobSubmitter(CloudCheckService.CreateDefault(env, _log, SharedHttpClient.Instance), SharedHttpClient.Instance, _log);
        var plan = submitter.Plan(TaskParser.ParseFile(taskPath, _world.TaskDirectory), null, env, default);
        await submitter.PrecheckAsync(plan, env, default);
        return await submitter.SubmitAsync(plan, name, env, _ => { }, default);
    }

    private void NoRequestBodyShown(Exception? error = null)
    {
        _log.Lines.Should().NotContain(l => l.Contains("env_vars") || l.Contains(SkyApiClient.LaunchMarkerVariable));
        error?.Message.Should().NotContain("env_vars");
    }

    [Fact]
    public async Task A_launch_reset_before_forwarding_is_never_matched_to_another_jobs_launch()
    {
        var a = await SubmitAsync(Task("job-a"));
        _proxy.Inject("POST", "/jobs/launch", new ProxyFault.ResetBeforeForwarding());

        var error = await Assert.ThrowsAsync<SkyApiException>(() => SubmitAsync(Task("job-b")));

        error.Failure.Should().Be(SkyApiFailure.LaunchOutcomeUnknown);
        error.Message.Should().NotContain("job " + a.JobId).And.Contain("The job may exist");
        _world.Api.Launches.Should().ContainSingle().Which.Name.Should().Be("job-a");
        NoRequestBodyShown(error);

        // The same submission again: its launch is not on the server, so it is launched, once.
        var b = await SubmitAsync(Task("job-b"));
        b.JobId.Should().Be(2);
        b.Name.Should().Be("job-b");
        _world.Api.Launches.Select(l => l.Name).Should().Equal("job-a", "job-b");
    }

    [Theory]
    [InlineData(504, "<html>Gateway Time-out</html>")]
    [InlineData(500, "<html><body>Internal Server Error</body></html>")]
    public async Task A_forwarded_launch_answered_by_a_proxy_error_page_is_found_by_its_marker(int status, string page)
    {
        await SubmitAsync(Task("job-a"));
        _proxy.Inject("POST", "/jobs/launch", new ProxyFault.ForwardThenAnswer(status, page));

        var b = await SubmitAsync(Task("job-b"));

        b.JobId.Should().Be(2);
        b.Name.Should().Be("job-b");
        _world.Api.Launches.Should().HaveCount(2);
        _log.Lines.Should().Contain(l => l.Contains("answer was lost") && l.Contains("HTTP " + status));
        NoRequestBodyShown();
    }

    [Fact]
    public async Task A_dropped_launch_answer_with_a_failing_lookup_is_outcome_unknown_and_the_same_submission_then_returns_that_job()
    {
        _proxy.Inject("POST", "/jobs/launch", new ProxyFault.ForwardThenDrop());
        _proxy.Inject("GET", "/api/status?all_status=true", new ProxyFault.ForwardThenAnswer(503, "<html>Service Unavailable</html>"));
        _proxy.Inject("GET", "/api/status?all_status=true", new ProxyFault.ForwardThenAnswer(500, "<html>Internal Server Error</html>"));
        var task = Task("job-b");

        var error = await Assert.ThrowsAsync<SkyApiException>(() => SubmitAsync(task));

        error.Failure.Should().Be(SkyApiFailure.LaunchOutcomeUnknown);
        error.Message.Should().NotContain("no job was submitted");
        error.Hint.Should().Contain("Get-SkyJob").And.NotContain("reuses the staged files");
        _world.Api.Launches.Should().ContainSingle();
        NoRequestBodyShown(error);

        var again = await SubmitAsync(task);

        again.JobId.Should().Be(1);
        _world.Api.Launches.Should().ContainSingle("the same submission finds its launch instead of posting again");
        _log.Lines.Should().Contain(l => l.StartsWith("WARNING:") && l.Contains("already launched") && l.Contains("managed job 1"));

        var third = await SubmitAsync(task);
        third.JobId.Should().Be(2, "an unchanged task submitted again later is a new job, not de-duplicated");
    }

    [Fact]
    public async Task A_launch_delayed_past_the_timeout_arrives_later_and_is_recovered_not_duplicated()
    {
        _world.Gcp.Set("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "1");
        _proxy.Inject("POST", "/jobs/launch", new ProxyFault.Delay(TimeSpan.FromSeconds(2.5)));
        var task = Task("slow");

        var error = await Assert.ThrowsAsync<SkyApiException>(() => SubmitAsync(task));
        error.Failure.Should().Be(SkyApiFailure.LaunchOutcomeUnknown);
        await _world.Api.WaitForLaunchAsync(1, TimeSpan.FromSeconds(10));

        var recovered = await SubmitAsync(task);

        recovered.JobId.Should().Be(1);
        _world.Api.Launches.Should().ContainSingle();
    }

    [Fact]
    public async Task After_an_unknown_outcome_a_submission_that_differs_only_in_name_launches()
    {
        _proxy.Inject("POST", "/jobs/launch", new ProxyFault.ResetBeforeForwarding());
        var task = Task("sweep");
        await Assert.ThrowsAsync<SkyApiException>(() => SubmitAsync(task, "sweep-1"));

        (await SubmitAsync(task, "sweep-2")).Name.Should().Be("sweep-2");
        (await SubmitAsync(task, "sweep-1")).Name.Should().Be("sweep-1");
        _world.Api.Launches.Select(l => l.Name).Should().Equal("sweep-2", "sweep-1");
    }

    [Fact]
    public async Task A_refused_connection_is_definitely_not_submitted()
    {
        var port = new Uri(_proxy.BaseUrl).Port;
        await _proxy.DisposeAsync();
        _world.Gcp.Set("SKYPILOT_API_SERVER_ENDPOINT", "http://127.0.0.1:" + port);

        var error = await Assert.ThrowsAsync<SkyApiException>(() => SubmitAsync(Task("refused")));

        error.Failure.Should().Be(SkyApiFailure.Unreachable);
        _world.Api.Launches.Should().BeEmpty();
    }
}
