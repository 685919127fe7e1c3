using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Config;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.Core.Storage;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

/// <summary>Regression tests for defects found in review.</summary>
public sealed class ReviewRegressionTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private FakeSkyPilotApiServer _api = null!;

    public async Task InitializeAsync() => _api = await FakeSkyPilotApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _temp.Dispose();
    }

    private SkyEnvironment Env(params (string, string)[] vars) =>
        new(vars.ToDictionary(v => v.Item1, v => v.Item2).Append(new KeyValuePair<string, string>("HOME", _temp.Path)), _temp.Path, isWindows: false);

    [Theory]
    [InlineData("https://alice:s3cret@sky.example.com/")]
    [InlineData("htps://alice:s3cret@sky.example.com")]
    public void Passwords_in_urls_are_redacted(string url)
    {
        Redactor.Redact("endpoint " + url + " failed").Should().NotContain("s3cret").And.Contain("alice:");
    }

    [Fact]
    public void Upload_session_ids_are_redacted()
    {
        Redactor.Redact("PUT http://127.0.0.1/upload/storage/v1/b/b/o?uploadType=resumable&upload_id=ABCDEF123 -> 308")
            .Should().NotContain("ABCDEF123");
    }

    [Fact]
    public void A_piped_endpoint_without_credentials_reuses_the_configured_basic_auth_for_the_same_server()
    {
        var env = Env(("SKYPILOT_API_SERVER_ENDPOINT", "https://alice:pw@sky.example.com"));

        var piped = SkyApiEndpoint.Resolve("https://sky.example.com", env, SkyConfig.Load(env));
        var other = SkyApiEndpoint.Resolve("https://other.example.com", env, SkyConfig.Load(env));

        piped.BasicAuth.Should().NotBeNull();
        other.BasicAuth.Should().BeNull();
        piped.ToString().Should().NotContain("pw");
    }

    [Fact]
    public async Task A_remote_server_receives_the_local_config_without_api_server_and_no_secret_variables()
    {
        _temp.WriteFile(".sky/config.yaml", "api_server:\n  endpoint: http://x\n  service_account_token: sky_hidden\ngcp:\n  vpc_name: shared\n  use_internal_ips: true\njobs:\n  bucket: gs://b\n");
        var env = Env(("SKYPILOT_DB_CONNECTION_URI", "postgresql://u:p@db/sky"), ("SKYPILOT_DEBUG", "1"), ("SKYPILOT_CONFIG", _temp.Combine(".sky", "config.yaml")));
        // Any server but SkyPilot's local one (port 46580) is remote, as SkyPilot's client sees it.
        var endpoint = SkyApiEndpoint.Resolve(_api.BaseUrl, env, SkyConfig.Load(env));
        endpoint.IsRemote.Should().BeTrue();
        SkyApiEndpoint.Resolve("http://127.0.0.1:46580", env, SkyConfig.Load(env)).IsRemote.Should().BeFalse();

        await new SkyApiClient(SharedHttpClient.Instance, endpoint, env, new RecordingLog()).LaunchAsync("run: echo\n", null, Guid.NewGuid().ToString("N"), default);

        var launch = _api.Launches.Single();
        launch.EnvVars.Should().ContainKey("SKYPILOT_DEBUG").And.NotContainKey("SKYPILOT_DB_CONNECTION_URI").And.NotContainKey("SKYPILOT_CONFIG");
        var body = System.Text.Json.Nodes.JsonNode.Parse(launch.Body)!;
        var overrides = body["override_skypilot_config"]!;
        overrides["gcp"]!["vpc_name"]!.GetValue<string>().Should().Be("shared");
        overrides["gcp"]!["use_internal_ips"]!.GetValue<bool>().Should().BeTrue();
        overrides["api_server"].Should().BeNull();
        launch.Body.Should().NotContain("sky_hidden");
    }

    [Fact]
    public async Task An_accepted_launch_whose_result_cannot_be_read_is_outcome_unknown_not_unsubmitted()
    {
        _api.SetRequestDuration(FakeSkyPilotApiServer.JobsLaunch, Timeout.InfiniteTimeSpan);
        var env = Env(("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "2"), ("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "2"));
        var client = new SkyApiClient(SharedHttpClient.Instance, SkyApiEndpoint.Resolve(_api.BaseUrl, env, SkyConfig.Load(env)), env, new RecordingLog());
        var launching = client.LaunchAsync("run: echo\n", null, Guid.NewGuid().ToString("N"), default);
        await _api.WaitForLaunchAsync();

        await _api.StopListeningAsync();
        var error = await Assert.ThrowsAsync<SkyApiException>(() => launching);

        error.Failure.Should().Be(SkyApiFailure.LaunchOutcomeUnknown);
        error.Message.Should().Contain("as request").And.Contain("The job may exist");
        _api.Launches.Should().ContainSingle();
    }

    [Theory]
    [InlineData("store: s3\n    mode: MOUNT", "store 's3'")]
    [InlineData("name: my-ckpt\n    store: gcs", "a bucket name")]
    public void Storage_mounts_with_a_local_source_that_would_go_elsewhere_are_refused(string extra, string why)
    {
        _temp.WriteFile("init/a.txt", "a");

        var error = Assert.Throws<TaskFileException>(() => TaskParser.Parse("run: echo\nfile_mounts:\n  /ckpt:\n    source: ./init\n    " + extra + "\n", _temp.Combine("t.yaml"), _temp.Path));

        error.Field.Should().Be("file_mounts./ckpt");
        error.Message.Should().Contain(why).And.Contain("not supported by Submit-SkyJob");
    }

    [Fact]
    public void Symlinked_directories_in_a_workdir_are_not_staged()
    {
        _temp.WriteFile("w/lib/site.py", "x");
        Directory.CreateSymbolicLink(_temp.Combine("w", "lib64"), _temp.Combine("w", "lib"));
        Directory.CreateSymbolicLink(_temp.Combine("w", "loop"), _temp.Combine("w"));

        var plan = StagingPlanner.Plan(TaskParser.Parse("workdir: ./w\nrun: echo\n", _temp.Combine("t.yaml"), _temp.Path), "gs://b", default);

        plan.Files.Select(f => f.ObjectName[(f.ObjectName.IndexOf("/workdir/", StringComparison.Ordinal) + 9)..]).Should().Equal("lib/site.py");
    }

    [Fact]
    public void On_Windows_the_profile_folder_wins_over_a_shells_HOME()
    {
        new SkyEnvironment(new Dictionary<string, string> { ["HOME"] = "/c/Users/ada", ["USERPROFILE"] = @"C:\Users\ada" }, isWindows: true).HomeDirectory.Should().Be(@"C:\Users\ada");
        new SkyEnvironment(new Dictionary<string, string> { ["HOME"] = "/home/ada", ["USERPROFILE"] = "/ignored" }, isWindows: false).HomeDirectory.Should().Be("/home/ada");
    }
}
