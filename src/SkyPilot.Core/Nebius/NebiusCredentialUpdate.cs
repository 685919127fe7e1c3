using System.Collections.Generic;

namespace SkyPilot.Core.Nebius
{
    /// <summary>
    /// A validated token and/or tenant about to be written by <see cref="NebiusCredentialManager.Write(SkyEnvironment, NebiusCredentialUpdate)"/>:
    /// the files it replaces and the warnings to give once it is written. The token stays inside Core.
    /// </summary>
    public sealed class NebiusCredentialUpdate
    {
        internal NebiusCredentialUpdate(string? token, string? tenantId, IReadOnlyList<string> targets, IReadOnlyList<string> warnings)
        {
            Token = token;
            TenantId = tenantId;
            Targets = targets;
            Warnings = warnings;
        }

        internal string? Token { get; }

        /// <summary>The tenant to write, or null to keep the one on disk.</summary>
        public string? TenantId { get; }

        /// <summary>The files that will be replaced.</summary>
        public IReadOnlyList<string> Targets { get; }

        /// <summary>What validation found and what the user should know once the files are written.</summary>
        public IReadOnlyList<string> Warnings { get; }
    }
}
