using System;
using System.Collections.Generic;
using System.Linq;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Checks
{
    /// <summary>One cloud's check: its capabilities, each checked separately, and the identity they were checked for.</summary>
    public sealed class CloudCheckResult
    {
        public string Cloud { get; init; } = string.Empty;

        /// <summary>The cloud as <c>sky check</c> prints it (<c>GCP</c>, <c>Nebius</c>).</summary>
        public string CloudDisplayName => KnownClouds.DisplayName(Cloud);

        /// <summary>Compute result; null when compute was not requested.</summary>
        public CapabilityResult? Compute { get; init; }

        /// <summary>Storage result; null when storage was not requested.</summary>
        public CapabilityResult? Storage { get; init; }

        public CloudIdentity Identity { get; init; } = new CloudIdentity();

        public DateTimeOffset CheckedAt { get; init; }

        /// <summary>True when every result was served from the check cache; each result's own <c>FromCache</c> says which.</summary>
        public bool FromCache { get; init; }

        /// <summary>The requested results (compute, then storage), as a list that reads as its results.</summary>
        public IReadOnlyList<CapabilityResult> Capabilities => ReadableList<CapabilityResult>.Of(new[] { Compute, Storage }.Where(r => r != null).Select(r => r!));

        /// <summary>True when every requested capability the cloud has is allowed.</summary>
        public bool Enabled => Applicable.Any() && Applicable.All(r => r.Allowed);

        private IEnumerable<CapabilityResult> Applicable => Capabilities.Where(r => r.Status != CheckStatus.NotApplicable);

        /// <summary>The allowed capabilities, as <c>sky check</c> lists them: <c>compute, storage</c>.</summary>
        public string EnabledCapabilities => string.Join(", ", Capabilities.Where(r => r.Allowed).Select(r => r.Capability.ToString().ToLowerInvariant()));

        /// <summary>SkyPilot's summary: <c>enabled [compute, storage]</c> or <c>disabled</c>.</summary>
        public string Summary
        {
            get
            {
                var enabled = EnabledCapabilities;
                return enabled.Length == 0 ? "disabled" : "enabled [" + enabled + "]";
            }
        }

        public override string ToString() => KnownClouds.DisplayName(Cloud) + ": " + Summary;
    }
}
