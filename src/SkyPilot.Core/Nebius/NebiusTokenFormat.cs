using System;
using System.Linq;
using System.Text.RegularExpressions;

namespace SkyPilot.Core.Nebius
{
    /// <summary>Local checks of a token and a tenant id, before anything is sent anywhere.</summary>
    public static class NebiusTokenFormat
    {
        private static readonly string[] KnownPrefixes = { "v0.", "ne1", "nd1", "eyJ" };
        private static readonly Regex TenantShape = new Regex("^tenant-[a-z0-9]{3,}$", RegexOptions.Compiled);

        /// <summary>
        /// Trims surrounding whitespace (a trailing newline or CRLF from <c>&gt;</c> is normal) and checks the token is
        /// non-empty, one line, printable and without spaces. An unknown prefix is a warning, not an error.
        /// </summary>
        public static (string Token, string? Error, string? Warning) Check(string? raw)
        {
            var token = (raw ?? string.Empty).Trim();
            if (token.Length == 0)
            {
                return (token, "the token is empty", null);
            }

            if (token.IndexOf('\n') >= 0 || token.IndexOf('\r') >= 0)
            {
                return (token, "the token spans more than one line", null);
            }

            if (token.Any(c => c == ' ' || c == '\t'))
            {
                return (token, "the token contains spaces", null);
            }

            if (token.Any(c => c < 0x21 || c > 0x7E))
            {
                return (token, "the token contains characters that are not printable ASCII", null);
            }

            var warning = KnownPrefixes.Any(p => token.StartsWith(p, StringComparison.Ordinal))
                ? null
                : "the token does not start with a known Nebius prefix (v0., ne1, nd1, eyJ); using it anyway";
            return (token, null, warning);
        }

        /// <summary>Null when the tenant id looks like <c>tenant-e00...</c>; otherwise what is wrong.</summary>
        public static string? CheckTenant(string? tenantId)
        {
            if (string.IsNullOrWhiteSpace(tenantId))
            {
                return "the tenant id is empty";
            }

            var trimmed = tenantId!.Trim();
            if (TenantShape.IsMatch(trimmed))
            {
                return null;
            }

            return LooksLikeToken(trimmed)
                ? "the value looks like an access token, not a tenant id (it is not shown; expected the shape tenant-e00...)"
                : "'" + trimmed + "' is not a tenant id (expected the shape tenant-e00...)";
        }

        /// <summary>
        /// True for a value with the shape of a credential (a known token prefix, a JWT, or a long run of token characters):
        /// such a value is never echoed in a message, whatever field it was found in.
        /// </summary>
        public static bool LooksLikeToken(string value)
        {
            var trimmed = value.Trim();
            if (KnownPrefixes.Any(p => trimmed.StartsWith(p, StringComparison.Ordinal)))
            {
                return true;
            }

            return trimmed.Length >= 40 || trimmed.Any(c => c < 0x20 || c > 0x7E);
        }

        /// <summary>The <c>exp</c> claim of a JWT-shaped token, when it has one.</summary>
        public static DateTimeOffset? JwtExpiry(string token)
        {
            var parts = token.Split('.');
            if (parts.Length != 3 || !token.StartsWith("eyJ", StringComparison.Ordinal))
            {
                return null;
            }

            try
            {
                var payload = parts[1].Replace('-', '+').Replace('_', '/');
                payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
                var json = Newtonsoft.Json.Linq.JObject.Parse(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
                var exp = (long?)json["exp"];
                return exp.HasValue ? DateTimeOffset.FromUnixTimeSeconds(exp.Value) : (DateTimeOffset?)null;
            }
            catch (Exception e) when (e is FormatException || e is Newtonsoft.Json.JsonException || e is ArgumentException)
            {
                return null;
            }
        }
    }
}
