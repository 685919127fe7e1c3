using System;
using System.Collections.Generic;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Checks
{
    /// <summary>The result of checking one capability of one cloud for one identity.</summary>
    public sealed record CapabilityResult
    {
        public string Cloud { get; init; } = string.Empty;

        public Capability Capability { get; init; }

        public CheckStatus Status { get; init; }

        public bool Allowed => Status == CheckStatus.Allowed;

        private readonly ReadableList<string> _permissionsTested = ReadableList<string>.None;
        private readonly ReadableList<string> _missingPermissions = ReadableList<string>.None;

        /// <summary>Every permission that was tested.</summary>
        public IReadOnlyList<string> PermissionsTested { get => _permissionsTested; init => _permissionsTested = ReadableList<string>.Of(value); }

        /// <summary>The tested permissions the identity does not hold.</summary>
        public IReadOnlyList<string> MissingPermissions { get => _missingPermissions; init => _missingPermissions = ReadableList<string>.Of(value); }

        /// <summary>One line saying why the capability is, or is not, available.</summary>
        public string Reason { get; init; } = string.Empty;

        /// <summary>The command or role that fixes it; null when allowed.</summary>
        public string? Hint { get; init; }

        /// <summary>The identity the check was made for.</summary>
        public CloudIdentity Identity { get; init; } = new CloudIdentity();

        public DateTimeOffset CheckedAt { get; init; }

        public TimeSpan Duration { get; init; }

        /// <summary>True when this result was served from the check cache (made earlier for the same identity).</summary>
        public bool FromCache { get; init; }

        public override string ToString() => Cloud + " " + Capability.ToString().ToLowerInvariant() + ": " + (Allowed ? "enabled" : "disabled (" + Reason + ")");
    }
}
