using System;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>Reads claims from a JWT-shaped token without verifying it (service-account tokens, OIDC id tokens).</summary>
    internal static class JwtClaims
    {
        public static string? Subject(string? token) => Payload(token)?.Value<string>("sub");

        public static string? Issuer(string? token) => Payload(token)?.Value<string>("iss");

        public static DateTimeOffset? Expiry(string? token)
        {
            var exp = Payload(token)?["exp"];
            return exp != null && exp.Type == JTokenType.Integer ? DateTimeOffset.FromUnixTimeSeconds(exp.Value<long>()) : (DateTimeOffset?)null;
        }

        private static JObject? Payload(string? token)
        {
            var parts = token?.Split('.');
            if (parts is null || parts.Length != 3)
            {
                return null;
            }

            try
            {
                var b64 = parts[1].Replace('-', '+').Replace('_', '/');
                b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
                return JObject.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(b64)));
            }
            catch (Exception e) when (e is FormatException || e is JsonException)
            {
                return null;
            }
        }
    }
}
