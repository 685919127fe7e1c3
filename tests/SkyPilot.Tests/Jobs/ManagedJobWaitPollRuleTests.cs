using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Config;
using SkyPilot.Core.Jobs;
using SkyPilot.Tests.Support;

namespace SkyPilot.Tests.Jobs;

/// <summary>
/// The waiter's poll rule: a poll is one attempt (no transport retries nested inside the wait), a failed poll is
/// followed by the transport's backoff, and <see cref="ManagedJobWaiter.MaxFailedPolls"/> failed polls in a row end
/// the wait as Unreachable.
/// </summary>
public sealed class ManagedJobWaitPollRuleTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly RecordingLog _log = new();
    private FakeSkyPilotApiServer _api = null!;

    public async Task InitializeAsync() => _api = await FakeSkyPilotApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _temp.Dispose();
    }

    private SkyEnvironment Env() => new(new Dictionary<string, string>
    {
        ["HOME"] = _temp.Path,
        ["SKYPILOT_PS_JOB_POLL_SECONDS"] = "0.05",
        ["SKYPILOT_PS_HTTP_MAX_ATTEMPTS"] = "4",
        ["SKYPILOT_PS_HTTP_MAX_DELAY_SECONDS"] = "0.05",
    }, _temp.Path, isWindows: false);

    private async Task<(SkyApiClient Api, ManagedJob Job)> LaunchAsync(params FakeSkyJobStep[] steps)
    {
        var env = Env();
        var api = new SkyApiClient(new HttpClient(), SkyApiEndpoint.Resolve(_api.BaseUrl, env, SkyConfig.Load(env)), env, _log);
        _api.ScriptNextJob(steps);
        var (id, _) = await api.LaunchAsync("name: w\nrun: echo\n", "w", Guid.NewGuid().ToString("N"), default);
        return (api, new ManagedJob { JobId = id, Status = ManagedJobStatus.Pending });
    }

    private int QueuePolls() => _api.CountRequests("/jobs/queue/v2");

    [Fact]
    public async Task A_server_that_blips_during_the_wait_does_not_end_it_and_each_failed_poll_is_one_request()
    {
        var (api, job) = await LaunchAsync(FakeSkyJobStatus.Running, FakeSkyJobStatus.Running, FakeSkyJobStatus.Succeeded);
        var waiter = new ManagedJobWaiter(api, Env(), _log);
        var seen = 0;
        var progress = new SyncProgress(_ =>
        {
            // The first progress report is before the first poll: the server goes away for three polls from there.
            if (Interlocked.Increment(ref seen) == 1)
            {
                _api.Unavailable = true;
            }
            else if (_log.Lines.Count(l => l.StartsWith("WARNING: Polling managed job", StringComparison.Ordinal)) >= 3)
            {
                _api.Unavailable = false;
            }
        });

        var done = await waiter.WaitAsync(job, TimeSpan.FromSeconds(60), progress, default);

        done.Status.Should().Be(ManagedJobStatus.Succeeded);
        var warnings = _log.Lines.Where(l => l.StartsWith("WARNING: Polling managed job", StringComparison.Ordinal)).ToList();
        warnings.Should().HaveCount(3).And.Contain(l => l.Contains("failed poll 3 of " + ManagedJobWaiter.MaxFailedPolls));
        // 3 failed polls + 3 answered ones; with the transport's retries nested inside, each failed poll cost 4 requests.
        QueuePolls().Should().Be(6);
    }

    [Fact]
    public async Task A_server_that_is_gone_ends_the_wait_after_MaxFailedPolls_single_requests_as_Unreachable()
    {
        var (api, job) = await LaunchAsync(FakeSkyJobStatus.Running);
        _api.Unavailable = true;
        var waiter = new ManagedJobWaiter(api, Env(), _log);

        var error = (await FluentActions.Awaiting(() => waiter.WaitAsync(job, TimeSpan.FromSeconds(60), null, default))
            .Should().ThrowAsync<SkyApiException>()).Which;

        error.Failure.Should().Be(SkyApiFailure.Unreachable);
        error.Message.Should().Contain(_api.BaseUrl);
        QueuePolls().Should().Be(ManagedJobWaiter.MaxFailedPolls, "one request per poll, not MaxAttempts per poll (was 10 × 4 = 40)");
    }

    private sealed class SyncProgress(Action<ManagedJob> report) : IProgress<ManagedJob>
    {
        public void Report(ManagedJob value) => report(value);
    }
}
