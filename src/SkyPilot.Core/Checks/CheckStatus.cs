namespace SkyPilot.Core.Checks
{
    /// <summary>The outcome of one capability check.</summary>
    public enum CheckStatus
    {
        /// <summary>Every required permission is held and the APIs answer.</summary>
        Allowed,

        /// <summary>The identity lacks some of the required permissions.</summary>
        MissingPermissions,

        /// <summary>A required API is disabled in the project.</summary>
        ApiDisabled,

        /// <summary>No credentials were found.</summary>
        NoCredentials,

        /// <summary>Credentials were found but cannot be used (malformed, wrong format, refused).</summary>
        InvalidCredentials,

        /// <summary>No project (or tenant) is configured.</summary>
        NoProject,

        /// <summary>The local configuration could not be read.</summary>
        ConfigurationError,

        /// <summary>The API rejected the token (401) or the token endpoint refused the credential.</summary>
        AuthenticationFailed,

        /// <summary>The credential has expired (a token past its lifetime, or the API said so for a token known to be old).</summary>
        CredentialsExpired,

        /// <summary>The project does not exist or the identity cannot see it.</summary>
        ProjectNotFound,

        /// <summary>The API could not be reached or kept failing (network, timeouts, 429/5xx after retries).</summary>
        Unreachable,

        /// <summary>The check could not run on this PowerShell edition or platform.</summary>
        Unavailable,

        /// <summary>The cloud has no such capability in SkyPilot (Kubernetes storage): neither allowed nor denied.</summary>
        NotApplicable,
    }
}
