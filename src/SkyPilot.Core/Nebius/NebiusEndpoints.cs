using System;

namespace SkyPilot.Core.Nebius
{
    /// <summary>
    /// Where the Nebius services live: <c>NEBIUS_ENDPOINT</c> (a full base URL used for every service; <c>http://</c>
    /// means cleartext HTTP/2), else <c>https://&lt;service&gt;.&lt;domain&gt;</c> with the domain from
    /// <c>~/.nebius/NEBIUS_DOMAIN.txt</c> or <c>api.nebius.cloud:443</c>.
    /// </summary>
    internal sealed class NebiusEndpoints
    {
        public const string DefaultDomain = "api.nebius.cloud:443";
        private readonly string? _override;
        private readonly string _domain;

        public NebiusEndpoints(SkyEnvironment env, string? domainFromFile)
        {
            var overridden = env.Get("NEBIUS_ENDPOINT");
            _override = overridden is null ? null : (overridden.Contains("://") ? overridden : "https://" + overridden).TrimEnd('/') + "/";
            _domain = string.IsNullOrWhiteSpace(domainFromFile) ? DefaultDomain : domainFromFile!.Trim();
            if (Problem(env, domainFromFile) is string problem)
            {
                throw new ArgumentException(problem);
            }
        }

        /// <summary>The fix for a bad <c>NEBIUS_ENDPOINT</c> or domain file; a configuration problem, never a network one.</summary>
        public const string Hint = "Set NEBIUS_ENDPOINT to an https:// (or, for a local server, http://) URL, or remove it; fix or delete ~/.nebius/NEBIUS_DOMAIN.txt.";

        /// <summary>Null when the endpoint configuration is usable; otherwise what is wrong with it (a local check).</summary>
        public static string? Problem(SkyEnvironment env, string? domainFromFile)
        {
            var overridden = env.Get("NEBIUS_ENDPOINT");
            if (overridden is null)
            {
                var domain = string.IsNullOrWhiteSpace(domainFromFile) ? DefaultDomain : domainFromFile!.Trim();
                return Uri.IsWellFormedUriString("https://cpl.iam." + domain + "/", UriKind.Absolute)
                    ? null
                    : "~/.nebius/NEBIUS_DOMAIN.txt holds '" + Http.Redactor.Redact(domain) + "', which is not a host[:port] such as " + DefaultDomain;
            }

            var url = (overridden.Contains("://") ? overridden : "https://" + overridden).TrimEnd('/') + "/";
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !Uri.IsWellFormedUriString(url, UriKind.Absolute))
            {
                return "NEBIUS_ENDPOINT '" + Http.Redactor.Redact(overridden) + "' is not a URL";
            }

            return uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp
                ? null
                : "NEBIUS_ENDPOINT '" + Http.Redactor.Redact(overridden) + "' uses the scheme '" + uri.Scheme + "'; the Nebius API is reached over https:// (or http:// for a local server)";
        }

        /// <summary>The IAM control plane (ProjectService, ProfileService).</summary>
        public Uri Iam => Service("cpl.iam");

        /// <summary>The token exchange service.</summary>
        public Uri Tokens => Service("tokens.iam");

        private Uri Service(string name) => new Uri(_override ?? "https://" + name + "." + _domain + "/");
    }
}
