using System;
using System.Collections.Generic;
using SkyPilot.Core.Checks;

namespace SkyPilot.Core.Nebius
{
    /// <summary>The state of the Nebius credential after a refresh or update. Never holds the token.</summary>
    public sealed class NebiusCredentialStatus
    {
        public string? TenantId { get; init; }

        /// <summary>Who the token belongs to (email or service account), as the API says.</summary>
        public string? Identity { get; init; }

        /// <summary>Where the credential is read from: the token file, <c>NEBIUS_IAM_TOKEN</c> or the service-account key.</summary>
        public string? Source { get; init; }

        public string CredentialType { get; init; } = "none";

        /// <summary>When the token was obtained (the token file's write time).</summary>
        public DateTimeOffset? ObtainedAt { get; init; }

        /// <summary>When it is expected to expire (a JWT's exp, else obtained + 12 h).</summary>
        public DateTimeOffset? ExpectedExpiry { get; init; }

        /// <summary>True when the API accepted the credential for the tenant.</summary>
        public bool Valid { get; init; }

        public CheckStatus Status { get; init; }

        public string Reason { get; init; } = string.Empty;

        public string? Hint { get; init; }

        /// <summary>True when this call wrote the token or tenant file.</summary>
        public bool Written { get; init; }

        public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

        public override string ToString() => "Nebius " + (TenantId ?? "(no tenant)") + ": " + (Valid ? "valid" : Status + " (" + Reason + ")");
    }
}
