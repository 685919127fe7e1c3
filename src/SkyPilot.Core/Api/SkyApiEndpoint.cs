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

        /// <summary>
        /// Overrides whether the server is local (acts with this user's credentials) or remote (its own): <c>local</c> or
        /// <c>remote</c>. For a local server on another port, or an SSH tunnel to a remote one on localhost.
        /// </summary>
        public const string LocationVariable = "SKYPILOT_PS_API_SERVER_LOCATION";

        private SkyApiEndpoint(Uri baseUri, string source, string? bearerToken, string? basicAuth, string? cookies, bool? locationOverride)
        {
            BaseUri = baseUri;
            Source = source;
            BearerToken = bearerToken;
            BasicAuth = basicAuth;
            Cookies = cookies;
            var guessLocal = baseUri.IsLoopback && baseUri.Port == 46580;
            IsRemote = !(locationOverride ?? guessLocal);
            LocationReason = locationOverride is bool local
                ? (local ? "local" : "remote") + " (" + LocationVariable + ")"
                : guessLocal ? "local (SkyPilot's own local server: loopback, port 46580)" : "remote (not SkyPilot's local server on loopback port 46580; set " + LocationVariable + "=local to override)";
        }

        /// <summary>The server URL without credentials or trailing slash.</summary>
        public Uri BaseUri { get; }

        /// <summary>
        /// False for SkyPilot's own local server (<c>127.0.0.1:46580</c> / <c>localhost:46580</c>), which acts with this
        /// user's credentials and reads this machine's config itself; any other endpoint is remote, as SkyPilot's client
        /// decides. <see cref="LocationVariable"/> overrides the guess either way.
        /// </summary>
        public bool IsRemote { get; }

        /// <summary>Why the server counts as local or remote.</summary>
        public string LocationReason { get; }

        /// <summary>Where the endpoint came from (parameter, environment variable, config file, default).</summary>
        public string Source { get; }

        internal string? BearerToken { get; }

        /// <summary>Base64 <c>user:password</c> from the URL.</summary>
        internal string? BasicAuth { get; }

        /// <summary>The SSO cookies for this server from <c>~/.sky/cookies.txt</c>, as a Cookie header value.</summary>
        internal string? Cookies { get; }

        internal bool HasCookies => Cookies != null;

        /// <summary>Which credentials are sent, never their values.</summary>
        public string AuthDescription =>
            BearerToken != null ? "service-account token" : BasicAuth != null ? "basic auth" : Cookies != null ? "SSO cookies (~/.sky/cookies.txt)" : "none";

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

            var location = env.Get(LocationVariable)?.Trim().ToLowerInvariant();
            bool? locationOverride = location == "local" ? true : location == "remote" ? false : (bool?)null;
            if (location != null && locationOverride is null)
            {
                throw new ArgumentException(LocationVariable + " must be 'local' or 'remote', not '" + Http.Redactor.Redact(location) + "'.");
            }

            return new SkyApiEndpoint(baseUri, source, token, basic, SkyCookies.HeaderFor(env, baseUri), locationOverride);
        }
    }
}
