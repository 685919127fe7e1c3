using System;
using SkyPilot.Core.Api;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>Shows a waited-for job's state as a progress record (called from Core's worker threads; the log queues it).</summary>
    internal sealed class JobProgress : IProgress<ManagedJob>
    {
        private readonly QueuedLog _log;

        public JobProgress(QueuedLog log)
        {
            _log = log;
        }

        public void Report(ManagedJob value) => _log.Progress(new SkyProgress(
            2,
            "Managed job " + value.JobId + " (" + (value.Name ?? "unnamed") + ")",
            value.Status + (value.TaskCount > 1 ? " (task " + (value.TaskId + 1) + " of " + value.TaskCount + ")" : string.Empty),
            value.IsTerminal ? 100 : -1,
            completed: value.IsTerminal));
    }
}
