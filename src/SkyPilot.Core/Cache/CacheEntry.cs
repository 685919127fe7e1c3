using System;
using System.Collections.Generic;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Cache
{
    /// <summary>One cached capability result, the identity it was made for, and whether it may be served now.</summary>
    public sealed class CacheEntry
    {
        public string Cloud { get; init; } = string.Empty;

        /// <summary>The cloud as <c>sky check</c> prints it (<c>GCP</c>, <c>Nebius</c>).</summary>
        public string CloudDisplayName => KnownClouds.DisplayName(Cloud);

        public Capability Capability { get; init; }

        /// <summary>The identity fingerprint the result is valid for.</summary>
        public string Fingerprint { get; init; } = string.Empty;

        /// <summary>The identity the result was made for.</summary>
        public CloudIdentity Identity { get; init; } = new CloudIdentity();

        /// <summary>The cached result.</summary>
        public CapabilityResult Result { get; init; } = new CapabilityResult();

        public CheckStatus Status => Result.Status;

        public bool Allowed => Result.Allowed;

        public DateTimeOffset CheckedAt => Result.CheckedAt;

        public DateTimeOffset ExpiresAt { get; init; }

        /// <summary>True when the entry's identity is the current one and it has not expired: it would be served.</summary>
        public bool IsValid { get; init; }

        /// <summary>Why the entry would not be served now, e.g. <c>account changed: a@x → b@y</c>; null when valid.</summary>
        public string? InvalidReason { get; init; }

        /// <summary>The cache file holding the entry.</summary>
        public string CachePath { get; init; } = string.Empty;

        internal CacheEntry WithValidity(bool isValid, string? invalidReason)
        {
            return new CacheEntry
            {
                Cloud = Cloud,
                Capability = Capability,
                Fingerprint = Fingerprint,
                Identity = Identity,
                Result = Result,
                ExpiresAt = ExpiresAt,
                IsValid = isValid,
                InvalidReason = invalidReason,
                CachePath = CachePath,
            };
        }

        public override string ToString() =>
            KnownClouds.DisplayName(Cloud) + " " + Capability.ToString().ToLowerInvariant() + " for " + Identity.DisplayName + ": " + Status + (IsValid || InvalidReason is null ? string.Empty : " (" + InvalidReason + ")");
    }
}
