using System;
using System.Collections.Generic;

namespace SkyPilot.Core.Api
{
    /// <summary>SkyPilot's managed-job statuses (sky/jobs/state.py), by their exact names.</summary>
    public static class ManagedJobStatus
    {
        public const string Pending = "PENDING";
        public const string Submitted = "SUBMITTED";
        public const string Starting = "STARTING";
        public const string Running = "RUNNING";
        public const string WindingDown = "WINDING_DOWN";
        public const string Recovering = "RECOVERING";
        public const string Cancelling = "CANCELLING";
        public const string Succeeded = "SUCCEEDED";
        public const string Cancelled = "CANCELLED";
        public const string Failed = "FAILED";
        public const string FailedSetup = "FAILED_SETUP";
        public const string FailedPrechecks = "FAILED_PRECHECKS";
        public const string FailedNoResource = "FAILED_NO_RESOURCE";
        public const string FailedController = "FAILED_CONTROLLER";

        public static readonly IReadOnlyList<string> All = new[]
        {
            Pending, Submitted, Starting, Running, WindingDown, Recovering, Cancelling,
            Succeeded, Cancelled, Failed, FailedSetup, FailedPrechecks, FailedNoResource, FailedController,
        };

        private static readonly HashSet<string> Terminal = new HashSet<string>(StringComparer.Ordinal)
        {
            Succeeded, Cancelled, Failed, FailedSetup, FailedPrechecks, FailedNoResource, FailedController,
        };

        public static bool IsTerminal(string? status) => status != null && Terminal.Contains(status);

        public static bool IsFailure(string? status) => status != null && status.StartsWith("FAILED", StringComparison.Ordinal);
    }
}
