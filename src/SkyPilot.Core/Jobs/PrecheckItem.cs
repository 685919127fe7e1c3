using System;
using System.Collections.Generic;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Jobs
{
    /// <summary>One thing a job needs, checked against the current identity before anything is uploaded.</summary>
    public sealed class PrecheckItem
    {
        /// <summary>What is needed, e.g. <c>compute on gcp (task 'train')</c> or <c>object access to gs://bucket</c>.</summary>
        public string Requirement { get; init; } = string.Empty;

        public string Cloud { get; init; } = string.Empty;

        public bool Passed { get; init; }

        /// <summary>True when the requirement could not be verified here (a cloud this module cannot check).</summary>
        public bool Unverified { get; init; }

        public string Reason { get; init; } = string.Empty;

        /// <summary>True when the failure is that the check could not ask (network, timeouts), not that access was denied.</summary>
        public bool CouldNotCheck { get; init; }

        public string? Hint { get; init; }

        public IReadOnlyList<string> MissingPermissions { get; init; } = Array.Empty<string>();

        public CloudIdentity? Identity { get; init; }

        public bool FromCache { get; init; }

        public override string ToString() =>
            Requirement + ": " + (Passed ? "ok" : Unverified ? "not verified" : "FAILED") + " — " + Reason + (Identity is null ? string.Empty : " [" + Identity.DisplayName + "]");
    }
}
