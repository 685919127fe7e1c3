using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Api;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// Polls the job queue until a managed job has ended — every task of a pipeline, not only the first — reporting each
    /// state it sees. A server that is briefly unreachable (a restart, a proxy's 502) does not end the wait.
    /// </summary>
    /// <remarks>
    /// The poll rule. Each poll is one attempt: the wait is itself the retry, so the transport's retries are not nested
    /// inside it. Polls follow each other at the poll interval (<c>SKYPILOT_PS_JOB_POLL_SECONDS</c>). After a failed poll
    /// (the server unreachable, or answering 5xx) the next one comes after the transport's backoff for that many
    /// failures in a row (<see cref="RetryPolicy.Delay"/>: 0.25 s doubling, capped at 30 s by default), and
    /// <see cref="MaxFailedPolls"/> failed polls in a row — about 1.5 minutes of outage with the defaults — end the wait
    /// with the last poll's <see cref="SkyApiFailure.Unreachable"/> error.
    /// </remarks>
    public sealed class ManagedJobWaiter
    {
        /// <summary>Failed polls in a row that end the wait.</summary>
        public const int MaxFailedPolls = 10;

        private const int MaxPollsNotFound = 12;
        private readonly SkyApiClient _api;
        private readonly TimeSpan _interval;
        private readonly ISkyLog _log;

        public ManagedJobWaiter(SkyApiClient api, SkyEnvironment env, ISkyLog log)
        {
            _api = api;
            _log = log;
            // SKYPILOT_PS_JOB_POLL_SECONDS (default 5): an unusable value is the default, with a warning naming it.
            var settings = Config.SkySettings.For(env);
            settings.ReportTo(log);
            _interval = settings.Seconds(Config.SkySettings.JobPollSeconds);
        }

        /// <summary>
        /// Waits for <paramref name="job"/> to end and returns it in its final state (for a pipeline: the task that
        /// failed or was cancelled, else the last task). Throws <see cref="JobWaitTimeoutException"/> after <paramref name="timeout"/>.
        /// </summary>
        public async Task<ManagedJob> WaitAsync(ManagedJob job, TimeSpan? timeout, IProgress<ManagedJob>? progress, CancellationToken cancellationToken)
        {
            var deadline = timeout is TimeSpan t ? DateTimeOffset.UtcNow + t : (DateTimeOffset?)null;
            var current = job;
            var failures = 0;
            var notFound = 0;
            var first = true;
            while (true)
            {
                if (!first || !current.IsTerminal)
                {
                    progress?.Report(current);
                }

                if (!first)
                {
                    var wait = failures > 0 ? _api.RetryPolicy.Delay(failures) : _interval;
                    if (deadline is DateTimeOffset end)
                    {
                        var left = end - DateTimeOffset.UtcNow;
                        if (left <= TimeSpan.Zero)
                        {
                            throw new JobWaitTimeoutException(current, timeout!.Value);
                        }

                        wait = left < wait ? left : wait;
                    }

                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }

                first = false;
                IReadOnlyList<ManagedJob> records;
                try
                {
                    records = (await _api.QueueAsync(new ManagedJobQuery { JobIds = new[] { job.JobId } }, cancellationToken, singleAttempt: true).ConfigureAwait(false))
                        .Where(j => j.JobId == job.JobId).ToList();
                    failures = 0;
                }
                catch (SkyApiException e) when (e.Failure == SkyApiFailure.Unreachable && ++failures < MaxFailedPolls)
                {
                    _log.Warning("Polling managed job " + job.JobId + " failed (" + e.Message + "); polling again (failed poll " + failures + " of " + MaxFailedPolls + ").");
                    continue;
                }

                if (records.Count == 0)
                {
                    if (++notFound >= MaxPollsNotFound)
                    {
                        throw new SkyApiException(SkyApiFailure.NotFound, "Managed job " + job.JobId + " is not in the job queue of " + _api.Endpoint + " (asked " + notFound + " times).", "Check Get-SkyJob -JobId " + job.JobId + ".");
                    }

                    continue;
                }

                current = Overall(records, job);
                if (records.All(r => r.IsTerminal))
                {
                    progress?.Report(current);
                    return current;
                }
            }
        }

        /// <summary>One view of a pipeline's records: the failed or cancelled task if any, else the first unfinished, else the last.</summary>
        public static ManagedJob Overall(IReadOnlyList<ManagedJob> records, ManagedJob known)
        {
            var ordered = records.OrderBy(r => r.TaskId).ToList();
            var pick = ordered.FirstOrDefault(r => r.IsFailed)
                ?? ordered.FirstOrDefault(r => r.Status == ManagedJobStatus.Cancelled)
                ?? ordered.FirstOrDefault(r => !r.IsTerminal)
                ?? ordered.Last();
            return pick with
            {
                Name = pick.Name ?? known.Name,
                SubmittedAt = pick.SubmittedAt ?? known.SubmittedAt,
                RequestId = known.RequestId ?? pick.RequestId,
                Endpoint = known.Endpoint ?? pick.Endpoint,
                BucketPrefix = known.BucketPrefix ?? pick.BucketPrefix,
                TaskCount = ordered.Count,
            };
        }
    }

    /// <summary>A wait ran out of time; the job is still running (it was not cancelled).</summary>
    public sealed class JobWaitTimeoutException : SkyException
    {
        public JobWaitTimeoutException(ManagedJob job, TimeSpan timeout)
            : base("Managed job " + job.JobId + " (" + (job.Name ?? "unnamed") + ") is still " + job.Status + " after " + timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s; it keeps running.")
        {
            Job = job;
        }

        public ManagedJob Job { get; }

        public override string ErrorId => "JobWaitTimeout";

        public override SkyErrorKind Kind => SkyErrorKind.Timeout;

        public override object Target => Job;

        public override string Hint => "Wait again with Wait-SkyJob -JobId " + Job.JobId + ", or stop it with Stop-SkyJob.";
    }
}
