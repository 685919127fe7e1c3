using System;
using System.Management.Automation;
using SkyPilot.Core.Api;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>The error record for a job that ended in failure (not an exception: the job ran and failed).</summary>
    internal static class JobErrors
    {
        /// <summary>A job that ended FAILED*: an error record after the job, so <c>-ErrorAction Stop</c> fails a CI step.</summary>
        public static SkyErrorInfo? Ended(ManagedJob job)
        {
            if (!job.IsFailed)
            {
                return null;
            }

            var message = "Managed job " + job.JobId + " (" + (job.Name ?? "unnamed") + ") ended " + job.Status + (string.IsNullOrEmpty(job.FailureReason) ? "." : ": " + job.FailureReason);
            return new SkyErrorInfo(new SkyOperationException(message), "JobFailed", ErrorCategory.InvalidResult, job, "See the job's log: Get-SkyJobLog -JobId " + job.JobId);
        }
    }
}
