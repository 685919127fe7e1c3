using System;
using System.Management.Automation;
using SkyPilot.Core.Api;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>The error records about a managed job itself (not exceptions: the job failed, or is not there).</summary>
    internal static class JobErrors
    {
        private const string ListJobs = "List your jobs with Get-SkyJob.";

        /// <summary>A job that ended FAILED*: an error record after the job, so <c>-ErrorAction Stop</c> fails a CI step.</summary>
        public static SkyErrorInfo? Ended(ManagedJob job)
        {
            if (!job.IsFailed)
            {
                return null;
            }

            var message = "Managed job " + job.JobId + " (" + (job.Name ?? "unnamed") + ") ended " + job.Status + (string.IsNullOrEmpty(job.FailureReason) ? "." : ": " + job.FailureReason);
            return Failed(message, job, "See the job's log: Get-SkyJobLog -JobId " + job.JobId);
        }

        /// <summary>A job that failed: JobFailed, InvalidResult.</summary>
        public static SkyErrorInfo Failed(string message, object target, string hint) =>
            new SkyErrorInfo(new SkyOperationException(message), "JobFailed", ErrorCategory.InvalidResult, target, hint);

        /// <summary>A job that is not there: JobNotFound, ObjectNotFound, non-terminating as for Get-Process -Id.</summary>
        public static SkyErrorInfo NotFound(string message, object? target, string hint = ListJobs) =>
            new SkyErrorInfo(new SkyOperationException(message), "JobNotFound", ErrorCategory.ObjectNotFound, target, hint);
    }
}
