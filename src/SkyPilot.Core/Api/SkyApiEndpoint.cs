using System;
using System.Text;
using SkyPilot.Core.Config;

namespace SkyPilot.Core.Api
{
    /// <summary>
    /// Where the SkyPilot API server is and how to authenticate: <c>-Endpoint</c>, <c>SKYPILOT_API_SERVER_ENDPOINT</c>,
    /// <c>api_server.endpoint</c> in <c>~/.sky/config.yaml</c>, else <c>http://127.0.0.1:46580</c>; a service-account token
    /// from <c>SKYPILOT_SERVICE_ACCOUNT_TOKEN</c> or <c>api_server.service_account_token</c>; basic auth from the URL.
    /// </summary>
    public sealed class SkyApiEndpoint
    {
        public const string DefaultEndpoint = "http://127.0.0.1:46580";

        private SkyApiEndpoint(Uri baseUri, string source, string? bearerToken, string? basicAuth)
        {
            BaseUri = baseUri;
            Source = source;
            BearerToken = bearerToken;
            BasicAuth = basicAuth;
        }

        /// <summary>The server URL without credentials or trailing slash.</summary>
        public Uri BaseUri { get; }

        /// <summary>
        /// False only for SkyPilot's own local server (<c>127.0.0.1:46580</c> / <c>localhost:46580</c>), which reads this
        /// machine's config itself; any other endpoint is treated as remote, as SkyPilot's client does.
        /// </summary>
        public bool IsRemote => !(BaseUri.IsLoopback && BaseUri.Port == 46580);

        /// <summary>Where the endpoint came from (parameter, environment variable, config file, default).</summary>
        public string Source { get; }

        internal string? BearerToken { get; }

        /// <summary>Base64 <c>user:password</c> from the URL.</summary>
        internal string? BasicAuth { get; }

        /// <summary>For display: the URL with no credentials.</summary>
        public override string ToString() => BaseUri.ToString().TrimEnd('/');

        public static SkyApiEndpoint Resolve(string? parameter, SkyEnvironment env, SkyConfig config)
        {
            string raw;
            string source;
            if (!string.IsNullOrWhiteSpace(parameter))
            {
                (raw, source) = (parameter!, "-Endpoint");
            }
            else if (env.Get("SKYPILOT_API_SERVER_ENDPOINT") is string fromEnv)
            {
                (raw, source) = (fromEnv, "SKYPILOT_API_SERVER_ENDPOINT");
            }
            else if (config.GetString("api_server.endpoint") is string fromConfig)
            {
                (raw, source) = (fromConfig, "api_server.endpoint in " + config.Path);
            }
            else
            {
                (raw, source) = (DefaultEndpoint, "default");
            }

            if (!Uri.TryCreate(raw.Trim().TrimEnd('/'), UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new Config.InvalidSettingException(
                    "The SkyPilot API server endpoint '" + Http.Redactor.Redact(raw) + "' (from " + source + ") is not an http(s) URL.",
                    source,
                    raw,
                    "Give the API server's URL, such as " + DefaultEndpoint + " or https://sky.example.com, in " + source + ".");
            }

            string? basic = null;
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo)));
                uri = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri;
            }

            var token = env.Get("SKYPILOT_SERVICE_ACCOUNT_TOKEN") ?? config.GetString("api_server.service_account_token");
            var baseUri = new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
            if (basic is null && source == "-Endpoint")
            {
                // An endpoint piped from a job's Endpoint property has no credentials: reuse the configured ones for that server.
                var configured = Resolve(null, env, config);
                if (configured.BaseUri == baseUri)
                {
                    basic = configured.BasicAuth;
                }
            }

            return new SkyApiEndpoint(baseUri, source, token, basic);
        }
    }
}
