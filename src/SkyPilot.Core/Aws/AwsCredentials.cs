using System;

namespace SkyPilot.Core.Aws
{
    /// <summary>Keys that sign one call. Holds secrets: never printed, never stored.</summary>
    internal sealed class AwsCredentials
    {
        public AwsCredentials(string accessKeyId, string secretAccessKey, string? sessionToken, DateTimeOffset? expiration = null)
        {
            AccessKeyId = accessKeyId;
            SecretAccessKey = secretAccessKey;
            SessionToken = sessionToken;
            Expiration = expiration;
        }

        public string AccessKeyId { get; }

        public string SecretAccessKey { get; }

        public string? SessionToken { get; }

        public DateTimeOffset? Expiration { get; }

        public override string ToString() => "AwsCredentials([redacted])";
    }
}
