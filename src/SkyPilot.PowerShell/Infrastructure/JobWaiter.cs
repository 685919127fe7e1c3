using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core;
using SkyPilot.Core.Api;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>Polls the job queue until a job ends, with progress; a FAILED* end is an error record so CI steps fail.</summary>
    internal static class JobWaiter
    {
        private const int MaxConsecutiveFailures = 10;
        private const int MaxPollsNotFound = 12;

        /// <summary>Seconds between polls. Environment: <c>SKYPILOT_PS_JOB_POLL_SECONDS</c> (default 5).</summary>
        public static TimeSpan PollInterval(SkyEnvironment env) =>
            double.TryParse(env.Get("SKYPILOT_PS_JOB_POLL_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(5);

        public static ManagedJob Wait(SkyCmdlet cmdlet, ICmdletSink sink, SkyApiClient api, ManagedJob job, SkyEnvironment env, CancellationToken cancellationToken)
        {
            var interval = PollInterval(env);
            var current = job;
            var failures = 0;
            var notFound = 0;
            while (!current.IsTerminal)
            {
                cmdlet.Log.Progress(new SkyProgress(2, "Managed job " + job.JobId + " (" + (job.Name ?? "unnamed") + ")", current.Status, -1));
                var snapshot = current;
                try
                {
                    current = cmdlet.Run(sink, async ct =>
                    {
                        await Task.Delay(interval, ct).ConfigureAwait(false);
                        var found = (await api.QueueAsync(new[] { snapshot.JobId }, false, ct).ConfigureAwait(false)).FirstOrDefault(j => j.JobId == snapshot.JobId);
                        return found is null ? null : Merge(found, snapshot);
                    }, cancellationToken) ?? NotFound(snapshot, ++notFound);
                    failures = 0;
                }
                catch (SkyApiException e) when (e.Failure == SkyApiFailure.Unreachable && ++failures < MaxConsecutiveFailures)
                {
                    // A restarting server or a proxy's 502 must not end a long wait: the job keeps running.
                    sink.WriteWarning("Polling job " + job.JobId + " failed (" + e.Message + "); retrying (" + failures + " of " + MaxConsecutiveFailures + ")");
                }
            }

            cmdlet.Log.Progress(new SkyProgress(2, "Managed job " + job.JobId, current.Status, 100, completed: true));
            if (current.IsFailed)
            {
                var message = "Managed job " + current.JobId + " (" + (current.Name ?? "unnamed") + ") ended " + current.Status + (string.IsNullOrEmpty(current.FailureReason) ? "." : ": " + current.FailureReason);
                sink.WriteError(new SkyErrorInfo(new SkyOperationException(message), "JobFailed", ErrorCategory.InvalidResult, current, "See the job's logs: sky jobs logs " + current.JobId));
            }

            return current;
        }

        private static ManagedJob NotFound(ManagedJob job, int times)
        {
            if (times >= MaxPollsNotFound)
            {
                throw new SkyApiException(SkyApiFailure.BadResponse, "Managed job " + job.JobId + " is not in the job queue (asked " + times + " times).", "Check Get-SkyJob -JobId " + job.JobId + ".");
            }

            return job;
        }

        /// <summary>The queue's view of the job, keeping what only this submission knows.</summary>
        private static ManagedJob Merge(ManagedJob fresh, ManagedJob known) => fresh with
        {
            Name = fresh.Name ?? known.Name,
            SubmittedAt = fresh.SubmittedAt ?? known.SubmittedAt,
            RequestId = known.RequestId,
            Endpoint = known.Endpoint,
            BucketPrefix = known.BucketPrefix,
        };
    }
}
