using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Config;
using SkyPilot.Core.Http;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

public sealed class SkyApiClientTests : IAsyncLifetime
{
    private FakeSkyPilotApiServer _server = null!;
    private readonly RecordingLog _log = new();
    private readonly Dictionary<string, string> _vars = new();
    private readonly TempDirectory _temp = new();

    public async Task InitializeAsync()
    {
        _server = await FakeSkyPilotApiServer.StartAsync();
        _vars["HOME"] = _temp.Path;
        _vars["SKYPILOT_API_SERVER_ENDPOINT"] = _server.BaseUrl;
        _vars["SKYPILOT_PS_HTTP_TIMEOUT_SECONDS"] = "5";
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    private SkyEnvironment Env => new(_vars, _temp.Path, isWindows: false);

    private SkyApiClient Client(string? endpoint = null) =>
        new(SharedHttpClient.Instance, SkyApiEndpoint.Resolve(endpoint, Env, SkyConfig.Load(Env)), Env, _log);

    [Fact]
    public void The_endpoint_comes_from_the_parameter_then_the_environment_then_the_config_then_the_default()
    {
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(_temp.Path, ".sky")).FullName, "config.yaml"), "api_server:\n  endpoint: http://config-host:1234/\n");
        SkyApiEndpoint.Resolve("http://param:1/", Env, SkyConfig.Load(Env)).ToString().Should().Be("http://param:1");
        SkyApiEndpoint.Resolve(null, Env, SkyConfig.Load(Env)).Source.Should().Be("SKYPILOT_API_SERVER_ENDPOINT");
        _vars.Remove("SKYPILOT_API_SERVER_ENDPOINT");
        SkyApiEndpoint.Resolve(null, Env, SkyConfig.Load(Env)).ToString().Should().Be("http://config-host:1234");
        File.Delete(Path.Combine(_temp.Path, ".sky", "config.yaml"));
        SkyApiEndpoint.Resolve(null, Env, SkyConfig.Load(Env)).ToString().Should().Be("http://127.0.0.1:46580");
    }

    [Fact]
    public async Task Launch_posts_once_sends_version_headers_and_reads_the_job_id()
    {
        var (jobId, requestId) = await Client().LaunchAsync("name: t\nrun: echo hi\n", "t", Guid.NewGuid().ToString("N"), default);

        jobId.Should().Be(1);
        requestId.Should().NotBeNullOrEmpty();
        var launch = _server.Launches.Should().ContainSingle().Subject;
        launch.TaskYaml.Should().Be("name: t\nrun: echo hi\n");
        launch.Name.Should().Be("t");
        launch.Header(FakeSkyPilotApiServer.ApiVersionHeader).Should().Be(SkyApiProtocol.ApiVersion.ToString());
        launch.EnvVars.Should().ContainKey("SKYPILOT_USER_ID");
    }

    [Fact]
    public async Task The_job_id_object_return_shape_and_the_old_request_id_header_work()
    {
        _server.LaunchReturn = FakeSkyLaunchReturn.JobIdObject;
        _server.OldServer = true;

        (await Client().LaunchAsync("run: echo\n", null, Guid.NewGuid().ToString("N"), default)).JobId.Should().Be(1);
    }

    [Fact]
    public async Task A_failed_request_surfaces_the_servers_error_type_and_message()
    {
        _server.FailNextLaunch("ResourcesUnavailableError", "No resource satisfying the request");

        var error = await Assert.ThrowsAsync<SkyApiException>(() => Client().LaunchAsync("run: echo\n", null, Guid.NewGuid().ToString("N"), default));

        error.Failure.Should().Be(SkyApiFailure.RequestFailed);
        error.Message.Should().Be("ResourcesUnavailableError: No resource satisfying the request");
        error.ErrorType.Should().Be("ResourcesUnavailableError");
    }

    [Fact]
    public async Task A_lost_launch_response_is_resolved_through_the_request_id_never_by_posting_again()
    {
        await Client().CheckHealthAsync(default);
        _server.DropNextLaunchResponse();

        var (jobId, _) = await Client().LaunchAsync("run: echo\n", "once", Guid.NewGuid().ToString("N"), default);

        jobId.Should().Be(1);
        _server.Launches.Should().ContainSingle();
        _log.Lines.Should().Contain(l => l.Contains("launch's answer was lost"));
    }

    [Fact]
    public async Task A_refused_connection_is_unreachable_with_a_hint()
    {
        await _server.StopListeningAsync();

        var error = await Assert.ThrowsAsync<SkyApiException>(() => Client().CheckHealthAsync(default));

        error.Failure.Should().Be(SkyApiFailure.Unreachable);
        error.Message.Should().Contain(_server.BaseUrl).And.Contain("SKYPILOT_API_SERVER_ENDPOINT");
        error.Hint.Should().Contain("sky api start");
    }

    [Fact]
    public async Task Needs_auth_is_reported_with_how_to_authenticate()
    {
        _server.AuthMode = FakeSkyAuthMode.NeedsAuth;

        var error = await Assert.ThrowsAsync<SkyApiException>(() => Client().CheckHealthAsync(default));

        error.Failure.Should().Be(SkyApiFailure.NeedsAuth);
        error.Hint.Should().Contain("SKYPILOT_SERVICE_ACCOUNT_TOKEN");
    }

    [Fact]
    public async Task A_service_account_token_is_sent_as_bearer_and_never_logged()
    {
        var token = "sky_test_" + Guid.NewGuid().ToString("N");
        _server.AuthMode = FakeSkyAuthMode.ServiceAccountToken;
        _server.ServiceAccountToken = token;
        _vars["SKYPILOT_SERVICE_ACCOUNT_TOKEN"] = token;

        (await Client().LaunchAsync("run: echo\n", null, Guid.NewGuid().ToString("N"), default)).JobId.Should().Be(1);

        _server.Launches.Single().EnvVars.Should().NotContainKey("SKYPILOT_SERVICE_ACCOUNT_TOKEN");
        _log.Lines.Should().NotContain(l => l.Contains(token));
    }

    [Fact]
    public async Task Basic_auth_comes_from_the_url_and_is_stripped_from_what_is_shown()
    {
        _server.AuthMode = FakeSkyAuthMode.Basic;
        _server.BasicUser = "alice";
        _server.BasicPassword = "s3cret-pw";
        var endpoint = _server.BaseUrl.Replace("http://", "http://alice:s3cret-pw@");

        var client = Client(endpoint);
        await client.CheckHealthAsync(default);
        (await client.LaunchAsync("run: echo\n", null, Guid.NewGuid().ToString("N"), default)).JobId.Should().Be(1);

        client.Endpoint.ToString().Should().NotContain("s3cret");
    }

    [Fact]
    public async Task A_version_mismatch_says_so()
    {
        _server.MinimumClientApiVersion = SkyApiProtocol.ApiVersion + 5;

        var error = await Assert.ThrowsAsync<SkyApiException>(() => Client().LaunchAsync("run: echo\n", null, Guid.NewGuid().ToString("N"), default));

        error.Failure.Should().Be(SkyApiFailure.VersionMismatch);
        _server.Launches.Should().BeEmpty();
    }

    [Fact]
    public async Task The_queue_reads_skypilots_job_records_and_falls_back_to_the_old_route()
    {
        _server.ScriptNextJob("RUNNING");
        await Client().LaunchAsync("run: echo\n", "q", Guid.NewGuid().ToString("N"), default);

        var job = (await Client().QueueAsync(new ManagedJobQuery(), default)).Single();
        job.JobId.Should().Be(1);
        job.Name.Should().Be("q");
        job.Status.Should().Be("RUNNING");
        job.Endpoint.Should().Be(_server.BaseUrl);

        _server.OldServer = true;
        (await Client().QueueAsync(new ManagedJobQuery(), default)).Single().JobId.Should().Be(1);
    }

    [Fact]
    public async Task Cancel_moves_the_job_to_cancelling()
    {
        _server.ScriptNextJob("RUNNING");
        await Client().LaunchAsync("run: echo\n", "c", Guid.NewGuid().ToString("N"), default);

        await Client().CancelAsync([1], default);

        _server.GetJob(1)!.Status.Should().BeOneOf("CANCELLING", "CANCELLED");
    }
}
