using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Config;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

/// <summary>
/// The client's parsers held to the real shapes: requests answered with the exchanges recorded from a SkyPilot
/// 0.13.0rc1 API server (API 52), read from shared/reference at test time.
/// </summary>
public sealed class RecordedExchangeReplayTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly RecordingLog _log = new();

    public void Dispose() => _temp.Dispose();

    private (SkyApiClient Client, ReplayHandler Handler) Replay(params string[] ids)
    {
        var handler = new ReplayHandler([.. ids.Select(RecordedExchanges.Get)]);
        var env = new SkyEnvironment(new Dictionary<string, string> { ["HOME"] = _temp.Path, ["SKYPILOT_PS_HTTP_MAX_ATTEMPTS"] = "1" }, _temp.Path, isWindows: false);
        var endpoint = SkyApiEndpoint.Resolve("http://127.0.0.1:46590", env, SkyConfig.Load(env));
        return (new SkyApiClient(new HttpClient(handler), endpoint, env, _log), handler);
    }

    [Fact]
    public void All_91_exchanges_are_present()
    {
        RecordedExchanges.All.Should().HaveCount(91);
    }

    [Fact]
    public async Task Health_of_a_052_server_without_a_user_is_read_and_supported()
    {
        var (client, handler) = Replay("1a", "7e");

        var info = await client.CheckHealthAsync(default);

        info.ApiVersion.Should().Be(52);
        info.Version.Should().Be("0.13.0rc1");
        info.User.Should().BeNull();
        info.Supported.Should().BeTrue();
        handler.Sent[0].Headers["X-SkyPilot-API-Version"].Should().Be(SkyApiProtocol.ApiVersion.ToString());
        SkyApiProtocol.ApiVersion.Should().BeGreaterThanOrEqualTo(24, "current servers refuse clients below 24");
        handler.Finished.Should().BeTrue();
    }

    [Fact]
    public async Task The_version_gate_is_our_own_message_without_the_servers_pip_advice()
    {
        var (client, _) = Replay("1b");

        var error = await Assert.ThrowsAsync<SkyApiException>(() => client.CheckHealthAsync(default));

        error.Failure.Should().Be(SkyApiFailure.VersionMismatch);
        error.Message.Should().Contain("0.13.0rc1").And.Contain("API version 52").And.Contain("24 to 55").And.NotContain("pip").And.NotContain("\u001b");
        error.Hint.Should().Contain("Upgrade SkyPilot.PowerShell");
    }

    [Fact]
    public async Task A_launch_result_with_a_job_id_list_is_a_job_id()
    {
        var (client, handler) = Replay("5c", "5d");

        var (jobId, requestId) = await client.LaunchAsync("name: t2\nrun: echo hi\n", "t2", "marker", default);

        jobId.Should().Be(1);
        requestId.Should().Be("7dfcdaf6-49e0-4ecb-8275-7e8977e48011");
        handler.Sent[1].Uri.Query.Should().Contain(requestId);
    }

    [Fact]
    public async Task A_launch_that_failed_on_the_server_surfaces_its_error_type()
    {
        var (client, _) = Replay("5zi", "5zj");

        var error = await Assert.ThrowsAsync<SkyApiException>(() => client.LaunchAsync("name: bad2\nresources:\n  cpus: lots\nrun: echo hi\n", "bad2", "m", default));

        error.Failure.Should().Be(SkyApiFailure.RequestFailed);
        error.ErrorType.Should().Be("ValueError");
        error.Message.Should().StartWith("ValueError: The \"cpus\" field");
    }

    [Fact]
    public async Task A_422_detail_array_is_a_definitive_rejection_naming_the_fields()
    {
        var (client, _) = Replay("8a");

        var error = await Assert.ThrowsAsync<SkyApiException>(() => client.LaunchAsync("run: echo\n", null, "m", default));

        error.Failure.Should().Be(SkyApiFailure.Rejected);
        error.HttpStatus.Should().Be(422);
        error.Message.Should().Contain("body.task: Field required");
    }

    [Fact]
    public async Task An_empty_queue_without_a_jobs_controller_is_empty_not_an_error()
    {
        var (client, _) = Replay("6a", "6b");
        (await client.QueueAsync(new ManagedJobQuery(), default)).Should().BeEmpty();

        var (consolidated, _) = Replay("5a", "5b");
        (await consolidated.QueueAsync(new ManagedJobQuery(), default)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_queue_v2_record_is_read_with_ansi_stripped_and_unknown_placement_as_none()
    {
        var (client, _) = Replay("5g", "5h");

        var job = (await client.QueueAsync(new ManagedJobQuery(), default)).Single();

        job.JobId.Should().Be(1);
        job.TaskId.Should().Be(0);
        job.Name.Should().Be("t2");
        job.Status.Should().Be(ManagedJobStatus.FailedPrechecks);
        job.FailureReason.Should().Be("[sky.exceptions.NoCloudAccessError] Cloud access is not set up. Run: sky check");
        job.Infra.Should().BeNull();
        job.Cloud.Should().BeNull();
        job.Resources.Should().Be("1x[CPU:1+]");
        job.SubmittedAt.Should().NotBeNull();
    }

    [Theory]
    [InlineData("5q,5r,5s", 1L, CancelResult.AlreadyTerminal, "FAILED_PRECHECKS")]
    [InlineData("5t,5u,5v", 99999L, CancelResult.NotFound, null)]
    [InlineData("5y,5z,5za", 2L, CancelResult.Scheduled, null)]
    public async Task Cancel_outcomes_come_from_the_request_log(string ids, long jobId, CancelResult expected, string? status)
    {
        var (client, _) = Replay(ids.Split(','));

        var outcome = (await client.CancelAsync([jobId], default)).Single();

        outcome.JobId.Should().Be(jobId);
        outcome.Result.Should().Be(expected);
        outcome.Status.Should().Be(status);
    }

    [Fact]
    public async Task A_marker_lookup_reads_api_status_request_bodies_and_finds_no_foreign_launch()
    {
        var (client, _) = Replay("7a");

        (await client.FindLaunchAsync("not-there", default)).Should().BeNull();
        _log.Lines.Should().NotContain(l => l.Contains("env_vars") || l.Contains("fcd1e5cf"));
    }

    /// <summary>Every recorded answer goes through the parser for its route without an unexpected exception.</summary>
    [Fact]
    public void Every_recorded_answer_parses_as_its_route_defines()
    {
        var endpoint = SkyApiEndpoint.Resolve("http://127.0.0.1:46590", new SkyEnvironment([], _temp.Path, false), SkyConfig.Load(new SkyEnvironment([], _temp.Path, false)));
        var checkedCount = 0;
        foreach (var exchange in RecordedExchanges.All)
        {
            var reply = new SkyPilot.Core.Http.HttpCallResult(exchange.Status, exchange.ResponseBody, exchange.ResponseHeaders.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value));
            if (exchange.Status == 400 && exchange.ResponseBody.Contains("version_mismatch"))
            {
                Assert.Throws<SkyApiException>(() => SkyApiReplies.ThrowForStatus(reply, "x", endpoint)).Failure.Should().Be(SkyApiFailure.VersionMismatch);
            }
            else if (exchange.Path == "/api/get" && exchange.Status is 200 or 500 or 404)
            {
                var id = exchange.Target.Contains("request_id=") ? exchange.Target.Split("request_id=")[1] : "x";
                if (exchange.Status == 200)
                {
                    var result = SkyApiReplies.RequestResult(id, reply, endpoint);
                    result.Status.Should().BeOneOf("SUCCEEDED", "CANCELLED");
                    result.Name.Should().StartWith("sky.");
                }
                else
                {
                    var error = Assert.Throws<SkyApiException>(() => SkyApiReplies.RequestResult(id, reply, endpoint));
                    error.Failure.Should().Be(exchange.Status == 500 ? SkyApiFailure.RequestFailed : SkyApiFailure.NotFound, exchange.Case);
                    error.Message.Should().NotContain("\u001b");
                }
            }
            else if (exchange.Status == 422)
            {
                var error = Assert.Throws<SkyApiException>(() => SkyApiReplies.ThrowForStatus(reply, "x", endpoint));
                error.Failure.Should().Be(SkyApiFailure.Rejected);
                error.Message.Should().MatchRegex(@"(body|query)\.");
            }
            else if (exchange.Method == "POST" && exchange.Status == 200 && exchange.Path != "/jobs/logs" && exchange.Path != "/validate")
            {
                SkyApiReplies.RequestId(reply).Should().NotBeNullOrEmpty(exchange.Case);
            }
            else if (exchange.Path == "/api/health" && exchange.Status == 200)
            {
                var info = SkyApiReplies.Health(Newtonsoft.Json.Linq.JObject.Parse(exchange.ResponseBody), endpoint, null);
                info.ApiVersion.Should().Be(52);
            }
            else
            {
                continue;
            }

            checkedCount++;
        }

        checkedCount.Should().BeGreaterThan(50);
    }
}
