using System;

namespace SkyPilot.Core.Aws
{
    /// <summary>
    /// Service endpoints by the AWS SDKs' convention: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c>,
    /// then the profile's <c>services</c> section, then its <c>endpoint_url</c>; none when
    /// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c> (or the profile's <c>ignore_configured_endpoint_urls</c>) is true.
    /// </summary>
    internal sealed class AwsEndpoints
    {
        private readonly AwsLocalState _state;
        private readonly string _profile;

        public AwsEndpoints(AwsLocalState state, string? profile = null)
        {
            _state = state;
            _profile = profile ?? state.Profile;
        }

        /// <summary>The configured endpoint of a service (<c>sts</c>, <c>ec2</c>, <c>s3</c>, <c>sso</c>), or null for AWS's own.</summary>
        public Uri? Configured(string service)
        {
            var env = _state.Environment;
            if (IsTrue(env.Get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) || IsTrue(_state.ProfileValue(_profile, "ignore_configured_endpoint_urls")))
            {
                return null;
            }

            var id = ServiceEnvName(service);
            var text = env.Get("AWS_ENDPOINT_URL_" + id)
                ?? env.Get("AWS_ENDPOINT_URL")
                ?? (_state.ProfileValue(_profile, "services") is string services ? _state.Config.Get("services " + services, ConfigKey(service) + ".endpoint_url") : null)
                ?? _state.ProfileValue(_profile, "endpoint_url");
            return text != null && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;
        }

        /// <summary>The endpoint to call: the configured one, else AWS's regional endpoint.</summary>
        public Uri For(string service, string region)
        {
            return Configured(service) ?? new Uri(service switch
            {
                "sso" => "https://portal.sso." + region + ".amazonaws.com",
                "s3" => region == "us-east-1" ? "https://s3.amazonaws.com" : "https://s3." + region + ".amazonaws.com",
                _ => "https://" + service + "." + region + ".amazonaws.com",
            });
        }

        /// <summary>The serviceId upper-cased with spaces as underscores (SSO OIDC → SSO_OIDC).</summary>
        private static string ServiceEnvName(string service) => service == "sso-oidc" ? "SSO_OIDC" : service.ToUpperInvariant();

        /// <summary>The key in a <c>services</c> section: the serviceId lower-cased with underscores.</summary>
        private static string ConfigKey(string service) => service == "sso-oidc" ? "sso_oidc" : service;

        private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
    }
}
