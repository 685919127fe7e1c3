namespace SkyPilot.Core.Api
{
    /// <summary>What <c>/api/health</c> says about a server, with where its endpoint came from (like <c>sky api info</c>).</summary>
    public sealed record SkyApiServerInfo
    {
        public string Endpoint { get; init; } = string.Empty;

        /// <summary>Where the endpoint came from (-Endpoint, SKYPILOT_API_SERVER_ENDPOINT, the config file, default).</summary>
        public string EndpointSource { get; init; } = string.Empty;

        /// <summary><c>healthy</c>, <c>needs_auth</c>, ...</summary>
        public string? Status { get; init; }

        public int? ApiVersion { get; init; }

        public string? Version { get; init; }

        public string? Commit { get; init; }

        /// <summary>The user the server attributes requests to; null when auth is off (the server sends none).</summary>
        public string? User { get; init; }

        public string? UserId { get; init; }

        public bool BasicAuthEnabled { get; init; }

        public bool ServiceAccountTokenEnabled { get; init; }

        /// <summary>The credentials this module sends: service-account token, basic auth, SSO cookies, or none.</summary>
        public string Auth { get; init; } = "none";

        /// <summary>Whether the server acts with its own identity (remote) or this user's (local).</summary>
        public bool IsRemote { get; init; }

        /// <summary>Why the server counts as local or remote.</summary>
        public string LocationReason { get; init; } = string.Empty;

        public bool Supported { get; init; }

        /// <summary>The supported range, and for an unsupported server what to do.</summary>
        public string SupportNote { get; init; } = string.Empty;
    }
}
