using System.Collections.Generic;

namespace SkyPilot.Core.Nebius
{
    /// <summary>Who a token belongs to (ProfileService/Get).</summary>
    internal sealed class NebiusProfile
    {
        public NebiusProfile(string kind, string? displayName, IReadOnlyList<string> tenants)
        {
            Kind = kind;
            DisplayName = displayName;
            Tenants = tenants;
        }

        /// <summary><c>user</c>, <c>service_account</c> or <c>anonymous</c>.</summary>
        public string Kind { get; }

        /// <summary>The user's email (or id), or the service account's name (or id).</summary>
        public string? DisplayName { get; }

        public IReadOnlyList<string> Tenants { get; }
    }
}
