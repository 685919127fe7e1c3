using System;
using System.Management.Automation;
using SkyPilot.Core.Api;
using SkyPilot.Core.Jobs;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>Error records for the job cmdlets: a stable id per failure kind, the right category, and the fix.</summary>
    internal static class JobErrors
    {
        public static SkyErrorInfo? From(Exception exception, object? target)
        {
            switch (exception)
            {
                case TaskFileException task:
                    return TaskFile(task);
                case PrecheckFailedException precheck when precheck.CouldNotCheck:
                    return new SkyErrorInfo(precheck, "PrecheckUnreachable", ErrorCategory.ConnectionError, target, precheck.Hint);
                case PrecheckFailedException precheck:
                    return new SkyErrorInfo(precheck, "PrecheckFailed", ErrorCategory.PermissionDenied, target, precheck.Hint);
                case StagingFailedException staging:
                    return new SkyErrorInfo(staging, "StagingFailed", staging.File is null ? ErrorCategory.ConnectionError : ErrorCategory.WriteError, staging.File ?? target, staging.Hint);
                case TaskVariablesException variables:
                    return new SkyErrorInfo(variables, variables.ErrorId, variables.NotFound ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidArgument, variables.Target ?? target, variables.Hint);
                case JobWaitTimeoutException timeout:
                    return new SkyErrorInfo(timeout, "JobWaitTimeout", ErrorCategory.OperationTimeout, timeout.Job, "Wait again with Wait-SkyJob -JobId " + timeout.Job.JobId + ", or stop it with Stop-SkyJob.");
                case SkyApiException api:
                    return new SkyErrorInfo(api, IdOf(api.Failure), CategoryOf(api.Failure), target, api.Hint);
                default:
                    return null;
            }
        }

        private static SkyErrorInfo TaskFile(TaskFileException task)
        {
            switch (task.Kind)
            {
                case TaskFileProblem.NotFound:
                    return new SkyErrorInfo(task, "TaskFileNotFound", ErrorCategory.ObjectNotFound, task.Path, "Check the path: it is resolved against the current location (Get-Location); Get-ChildItem *.yaml lists the task files there.");
                case TaskFileProblem.NotAFile:
                    return new SkyErrorInfo(task, "TaskFileNotAFile", ErrorCategory.InvalidArgument, task.Path, "Give the task's YAML file, not its directory, e.g. Submit-SkyJob ./task.yaml.");
                case TaskFileProblem.Unreadable:
                    return new SkyErrorInfo(task, "TaskFileUnreadable", ErrorCategory.ReadError, task.Path, "Check that the file can be read by this user.");
                default:
                    var where = task.Field != null ? "the field '" + task.Field + "'" : task.Line > 0 ? "line " + task.Line : "the file";
                    return new SkyErrorInfo(task, "InvalidTaskFile", ErrorCategory.ParserError, task.Path, "Fix " + where + " as the message says, then run Submit-SkyJob again.");
            }
        }

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

        private static string IdOf(SkyApiFailure failure)
        {
            switch (failure)
            {
                case SkyApiFailure.Unreachable: return "ApiServerUnreachable";
                case SkyApiFailure.NeedsAuth: return "ApiServerNeedsAuth";
                case SkyApiFailure.VersionMismatch: return "ApiVersionMismatch";
                case SkyApiFailure.RequestFailed: return "RequestFailed";
                case SkyApiFailure.LaunchOutcomeUnknown: return "LaunchOutcomeUnknown";
                case SkyApiFailure.Rejected: return "ApiRequestRejected";
                case SkyApiFailure.NotFound: return "JobNotFound";
                default: return "ApiServerBadResponse";
            }
        }

        private static ErrorCategory CategoryOf(SkyApiFailure failure)
        {
            switch (failure)
            {
                case SkyApiFailure.Unreachable: return ErrorCategory.ConnectionError;
                case SkyApiFailure.NeedsAuth: return ErrorCategory.AuthenticationError;
                case SkyApiFailure.VersionMismatch: return ErrorCategory.InvalidOperation;
                case SkyApiFailure.RequestFailed: return ErrorCategory.InvalidResult;
                case SkyApiFailure.LaunchOutcomeUnknown: return ErrorCategory.OperationStopped;
                case SkyApiFailure.Rejected: return ErrorCategory.InvalidArgument;
                case SkyApiFailure.NotFound: return ErrorCategory.ObjectNotFound;
                default: return ErrorCategory.InvalidResult;
            }
        }
    }
}
