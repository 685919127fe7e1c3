using System;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SkyPilot.Core.Nebius
{
    /// <summary>A Nebius service-account key (<c>~/.nebius/credentials.json</c>), as written by <c>nebius iam auth-public-key generate</c>.</summary>
    internal sealed class NebiusServiceAccountKey
    {
        private NebiusServiceAccountKey(string keyId, string serviceAccountId, string privateKeyPem)
        {
            KeyId = keyId;
            ServiceAccountId = serviceAccountId;
            PrivateKeyPem = privateKeyPem;
        }

        public string KeyId { get; }

        public string ServiceAccountId { get; }

        /// <summary>Kept only for the signing call that needs it; never logged.</summary>
        public string PrivateKeyPem { get; }

        /// <summary>Parses the key; the error says what is wrong without quoting the file.</summary>
        public static (NebiusServiceAccountKey? Key, string? Error) Parse(string json)
        {
            JObject? credentials;
            try
            {
                credentials = JObject.Parse(json)["subject-credentials"] as JObject;
            }
            catch (JsonException)
            {
                return (null, "is not valid JSON");
            }

            if (credentials is null)
            {
                return (null, "has no \"subject-credentials\" object");
            }

            var alg = (string?)credentials["alg"];
            var kid = (string?)credentials["kid"];
            var iss = (string?)credentials["iss"];
            var sub = (string?)credentials["sub"];
            var pem = (string?)credentials["private-key"];
            if (alg != "RS256")
            {
                return (null, "uses algorithm '" + alg + "'; only RS256 keys are supported");
            }

            if (string.IsNullOrEmpty(kid) || string.IsNullOrEmpty(iss) || string.IsNullOrEmpty(pem))
            {
                return (null, "lacks kid, iss or private-key");
            }

            if (!string.Equals(iss, sub, StringComparison.Ordinal))
            {
                return (null, "has iss and sub that differ (both must be the service-account id)");
            }

            return (new NebiusServiceAccountKey(kid!, iss!, pem!), null);
        }
    }
}
