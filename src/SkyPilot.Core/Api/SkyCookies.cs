using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace SkyPilot.Core.Api
{
    /// <summary>
    /// The SSO cookies SkyPilot's own client keeps in <c>~/.sky/cookies.txt</c> (Netscape format, written by
    /// <c>sky api login</c>), as one <c>Cookie</c> header value for a server. Unreadable or absent: no cookies.
    /// </summary>
    public static class SkyCookies
    {
        private const string HttpOnlyPrefix = "#HttpOnly_";

        public static string PathFor(SkyEnvironment env) => Path.Combine(env.HomeDirectory, ".sky", "cookies.txt");

        /// <summary>The cookies for <paramref name="server"/> as <c>name=value; ...</c>, or null when there are none.</summary>
        public static string? HeaderFor(SkyEnvironment env, Uri server)
        {
            string[] lines;
            try
            {
                var path = PathFor(env);
                if (!File.Exists(path) || new FileInfo(path).Length > 1024 * 1024)
                {
                    return null;
                }

                lines = File.ReadAllLines(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }

            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var pairs = new List<string>();
            foreach (var raw in lines)
            {
                var line = raw.StartsWith(HttpOnlyPrefix, StringComparison.Ordinal) ? raw.Substring(HttpOnlyPrefix.Length) : raw;
                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal))
                {
                    continue;
                }

                var f = line.Split('\t');
                if (f.Length < 7 || !Matches(server, f[0], f[1], f[2], f[3]))
                {
                    continue;
                }

                if (long.TryParse(f[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var expires) && expires != 0 && expires < now)
                {
                    continue;
                }

                pairs.Add(f[5] + "=" + f[6].TrimEnd('\r'));
            }

            return pairs.Count == 0 ? null : string.Join("; ", pairs.Distinct());
        }

        private static bool Matches(Uri server, string domain, string subdomains, string path, string secure)
        {
            var host = server.Host;
            var bare = domain.TrimStart('.');
            var hostMatches = string.Equals(host, bare, StringComparison.OrdinalIgnoreCase)
                || ((string.Equals(subdomains, "TRUE", StringComparison.OrdinalIgnoreCase) || domain.StartsWith(".", StringComparison.Ordinal))
                    && host.EndsWith("." + bare, StringComparison.OrdinalIgnoreCase));
            var secureOk = !string.Equals(secure, "TRUE", StringComparison.OrdinalIgnoreCase) || server.Scheme == Uri.UriSchemeHttps;
            return hostMatches && secureOk && server.AbsolutePath.StartsWith(path.Length == 0 ? "/" : path, StringComparison.Ordinal);
        }
    }
}
