using System;

namespace SkyPilot.Core.Aws
{
    /// <summary>How AWS credentials are obtained, in botocore's terms (the Type column of <c>aws configure list</c>).</summary>
    internal enum AwsCredentialKind
    {
        None,
        Environment,
        SharedCredentialsFile,
        ConfigFile,
        AssumeRole,
        WebIdentity,
        Sso,
        Process,
        Container,
    }

    /// <summary>
    /// Where the credentials of a profile come from, as read from local files; turned into keys only when a call needs
    /// them (<see cref="AwsCredentialProvider"/>). Holds secrets: never printed.
    /// </summary>
    internal sealed class AwsCredentialSource
    {
        public AwsCredentialKind Kind { get; init; }

        /// <summary>The profile the source belongs to (null for environment keys).</summary>
        public string? Profile { get; init; }

        /// <summary>A file path or environment variable name the credential was found in.</summary>
        public string? Location { get; init; }

        public string? AccessKeyId { get; init; }

        public string? SecretAccessKey { get; init; }

        public string? SessionToken { get; init; }

        public string? RoleArn { get; init; }

        public string? RoleSessionName { get; init; }

        public string? ExternalId { get; init; }

        /// <summary>For <see cref="AwsCredentialKind.AssumeRole"/>: the credentials that call AssumeRole.</summary>
        public AwsCredentialSource? Source { get; init; }

        public string? WebIdentityTokenFile { get; init; }

        public string? WebIdentityToken { get; init; }

        public string? SsoSession { get; init; }

        public string? SsoStartUrl { get; init; }

        public string? SsoRegion { get; init; }

        public string? SsoAccountId { get; init; }

        public string? SsoRoleName { get; init; }

        public string? SsoCachePath { get; init; }

        /// <summary>The cached SSO access token (from <c>aws sso login</c>), or null when there is none.</summary>
        public string? SsoAccessToken { get; init; }

        public DateTimeOffset? SsoExpiresAt { get; init; }

        public string? ProcessCommand { get; init; }

        public string? ContainerUri { get; init; }

        /// <summary>botocore's name for the kind, as <c>aws configure list</c> shows it.</summary>
        public string TypeName => Kind switch
        {
            AwsCredentialKind.Environment => "env",
            AwsCredentialKind.SharedCredentialsFile => "shared-credentials-file",
            AwsCredentialKind.ConfigFile => "config-file",
            AwsCredentialKind.AssumeRole => "assume-role",
            AwsCredentialKind.WebIdentity => "assume-role-with-web-identity",
            AwsCredentialKind.Sso => "sso",
            AwsCredentialKind.Process => "custom-process",
            AwsCredentialKind.Container => "container-role",
            _ => "none",
        };

        /// <summary>True for credentials that a human must renew (SSO logins, session tokens).</summary>
        public bool CanExpire => Kind == AwsCredentialKind.Sso || SessionToken != null || (Source?.CanExpire ?? false);

        /// <summary>The innermost source of a role chain (whose file or login is what the user maintains).</summary>
        public AwsCredentialSource Root => Source?.Root ?? this;
    }
}
