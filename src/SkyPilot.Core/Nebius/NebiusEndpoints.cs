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
            if (_override is null ? !Uri.IsWellFormedUriString("https://cpl.iam." + _domain + "/", UriKind.Absolute) : !Uri.IsWellFormedUriString(_override, UriKind.Absolute))
            {
                throw new ArgumentException(_override is null
                    ? "~/.nebius/NEBIUS_DOMAIN.txt holds '" + _domain + "', which is not a host[:port] such as " + DefaultDomain
                    : "NEBIUS_ENDPOINT '" + overridden + "' is not a URL");
            }
        }

        /// <summary>The IAM control plane (ProjectService, ProfileService).</summary>
        public Uri Iam => Service("cpl.iam");

        /// <summary>The token exchange service.</summary>
        public Uri Tokens => Service("tokens.iam");

        private Uri Service(string name) => new Uri(_override ?? "https://" + name + "." + _domain + "/");
    }
}
