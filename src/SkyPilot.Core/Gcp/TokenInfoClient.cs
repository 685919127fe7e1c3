using System;
using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Gcp
{
    /// <summary>What Google's tokeninfo endpoint says about an access token. <see cref="Email"/> is present only when the token has an email scope.</summary>
    internal sealed class TokenInfo
    {
        public string? Email { get; set; }

        public bool EmailVerified { get; set; }

        /// <summary>Space-separated scopes.</summary>
        public string? Scope { get; set; }

        public string? AuthorizedParty { get; set; }

        public string? Audience { get; set; }

        public string? Subject { get; set; }

        public long? ExpiresIn { get; set; }
    }

    /// <summary>
    /// <c>GET {oauth2 root}/tokeninfo?access_token=T</c>, hand-written like the other Google REST calls.
    /// Errors (<c>{"error":"invalid_token"}</c>, other statuses) become <see cref="GoogleApiException"/>.
    /// </summary>
    internal sealed class TokenInfoClient
    {
        public const string Operation = "tokeninfo";
        private readonly RetryingHttpSender _sender;
        private readonly string _baseUrl;

        public TokenInfoClient(RetryingHttpSender sender, string baseUrl)
        {
            _sender = sender;
            _baseUrl = baseUrl.TrimEnd('/');
        }

        /// <exception cref="GoogleApiException">tokeninfo answered with an error status or a body that is not a JSON object.</exception>
        /// <exception cref="ServiceUnreachableException">No attempt got an answer.</exception>
        public async Task<TokenInfo> GetAsync(string accessToken, CancellationToken cancellationToken)
        {
            var url = _baseUrl + "/tokeninfo?access_token=" + Uri.EscapeDataString(accessToken);
            var result = await _sender.SendAsync(
                () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, url);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    return request;
                },
                Operation,
                cancellationToken).ConfigureAwait(false);

            JObject? body = null;
            try
            {
                body = JToken.Parse(result.Body) as JObject;
            }
            catch (JsonException)
            {
            }

            if (!result.IsSuccess)
            {
                throw new GoogleApiException(Operation, OAuthError(result.StatusCode, result.Body, body));
            }

            if (body is null)
            {
                throw new GoogleApiException(Operation, GoogleApiError.Parse(502, "{\"error\":{\"message\":\"the server answered with a body that is not a JSON object\"}}"));
            }

            return new TokenInfo
            {
                Email = NonEmpty((string?)body["email"]),
                EmailVerified = string.Equals((string?)body["email_verified"], "true", StringComparison.OrdinalIgnoreCase),
                Scope = (string?)body["scope"],
                AuthorizedParty = (string?)body["azp"],
                Audience = (string?)body["aud"],
                Subject = (string?)body["sub"],
                ExpiresIn = long.TryParse((string?)body["expires_in"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : (long?)null,
            };
        }

        private static GoogleApiError OAuthError(int status, string raw, JObject? body)
        {
            // tokeninfo answers OAuth-style errors: {"error":"invalid_token","error_description":"Invalid Value"}.
            if (body?["error"] is JValue { Type: JTokenType.String } code)
            {
                var description = (string?)body["error_description"];
                var message = (string?)code + (string.IsNullOrEmpty(description) ? string.Empty : ": " + description);
                return GoogleApiError.Parse(status, new JObject { ["error"] = new JObject { ["code"] = status, ["message"] = message } }.ToString(Formatting.None));
            }

            return GoogleApiError.Parse(status, raw);
        }

        private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
