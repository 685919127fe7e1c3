using System;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Api
{
    /// <summary>
    /// Reads the API server's answers, in the shapes real servers send (held to the recorded exchanges of a 0.13 server
    /// by the replay tests): request ids in headers, request records from <c>/api/get</c>, FastAPI's 422 arrays, the
    /// version gate, health without a user. Pure functions of one answer; no I/O.
    /// </summary>
    internal static class SkyApiReplies
    {
        /// <summary>The request id of an asynchronous route's answer, or null.</summary>
        public static string? RequestId(HttpCallResult reply) =>
            SkyApiProtocol.RequestIdHeaders.Select(reply.Header).FirstOrDefault(id => !string.IsNullOrEmpty(id));

        /// <summary>The server's API version from a reply's header (sent only when both version headers were sent).</summary>
        public static int? ApiVersionHeader(HttpCallResult reply) => Int(reply.Header(SkyApiProtocol.ApiVersionHeader));

        /// <summary>A JSON answer from the server itself (not a proxy's HTML page): only then is an error definitive.</summary>
        public static bool IsServerJson(HttpCallResult reply) => TryParse(reply.Body) != null;

        /// <summary>
        /// A 4xx the API server itself answered in JSON: the request was refused and had no effect. Proxies' pages, 408 and
        /// 429 are not definitive.
        /// </summary>
        public static bool IsDefinitiveRejection(HttpCallResult reply) =>
            reply.StatusCode >= 400 && reply.StatusCode < 500 && reply.StatusCode != 408 && reply.StatusCode != 429 && IsServerJson(reply);

        /// <summary>Throws the matching <see cref="SkyApiException"/> for a non-2xx answer.</summary>
        public static void ThrowForStatus(HttpCallResult reply, string what, SkyApiEndpoint endpoint)
        {
            if (reply.IsSuccess)
            {
                return;
            }

            var json = TryParse(reply.Body) as JObject;
            if (reply.StatusCode == 401)
            {
                throw NeedsAuth(endpoint);
            }

            if (reply.StatusCode == 400 && ((string?)json?["error"] == "version_mismatch" || (string?)json?["detail"]?["error"] == "version_mismatch"))
            {
                throw VersionRefused(endpoint, reply.Header(SkyApiProtocol.VersionHeader), ApiVersionHeader(reply));
            }

            // The server says "unknown request id" only in text: 404 {"detail":"Request '<id>' not found"} (recorded from a
            // 0.13 server); any other 404 (a proxy, a wrong path) is not that, so the prefix is what tells them apart.
            if (reply.StatusCode == 404 && json?["detail"] is JValue notFound && ((string?)notFound)?.StartsWith("Request '", StringComparison.Ordinal) == true)
            {
                throw new SkyApiException(SkyApiFailure.NotFound, "The API server at " + endpoint + " has no " + what + " (" + AnsiText.Strip((string?)notFound) + ").", "Requests are kept for a limited time; check the job queue with Get-SkyJob.", httpStatus: 404);
            }

            if (reply.StatusCode >= 500 || json is null)
            {
                throw new SkyApiException(SkyApiFailure.Unreachable, "The SkyPilot API server at " + endpoint + " answered HTTP " + reply.StatusCode + " for " + what + (json is null ? " (not from the API server itself: " + Snippet(reply.Body) + ")" : ": " + Detail(json)), "Retry later; if it persists, check the server's logs ('sky api logs') or the proxy in front of it.", httpStatus: reply.StatusCode);
            }

            throw new SkyApiException(SkyApiFailure.Rejected, "The API server refused " + what + " (HTTP " + reply.StatusCode + "): " + Detail(json), "Check the server's logs ('sky api logs').", httpStatus: reply.StatusCode);
        }

        /// <summary>The server's explanation: a string <c>detail</c>, FastAPI's array of <c>{loc, msg}</c>, an error object, or a message.</summary>
        public static string Detail(JObject json)
        {
            var detail = json["detail"];
            string text;
            switch (detail)
            {
                case JArray items:
                    text = string.Join("; ", items.OfType<JObject>().Select(i =>
                        string.Join(".", (i["loc"] as JArray ?? new JArray()).Select(l => l.ToString())) + ": " + (string?)i["msg"]));
                    break;
                case JObject error:
                    text = ((string?)error["type"] is string type ? ShortType(type) + ": " : string.Empty) + ((string?)error["message"] ?? error.ToString(Formatting.None));
                    break;
                case JValue value when value.Type == JTokenType.String:
                    text = (string)value!;
                    break;
                default:
                    text = (string?)json["message"] ?? json.ToString(Formatting.None);
                    break;
            }

            return Redactor.Redact(AnsiText.Strip(text));
        }

        /// <summary>A finished request (<c>/api/get</c>: 200 with the record, or 500 with it under <c>detail</c> when it failed).</summary>
        public static ApiRequestResult RequestResult(string requestId, HttpCallResult reply, SkyApiEndpoint endpoint)
        {
            var json = TryParse(reply.Body) as JObject;
            if (reply.StatusCode == 500 && json?["detail"] is JObject failed && failed["request_id"] != null)
            {
                throw RequestFailed(requestId, failed);
            }

            ThrowForStatus(reply, "request " + requestId, endpoint);
            if (json is null)
            {
                throw new SkyApiException(SkyApiFailure.BadResponse, "The API server's answer for request " + requestId + " is not a JSON object.", "Is " + endpoint + " a SkyPilot API server?", requestId: requestId);
            }

            return new ApiRequestResult(requestId, (string?)json["name"], (string?)json["status"], DecodeJsonString(json["return_value"]));
        }

        public static SkyApiServerInfo Health(JObject health, SkyApiEndpoint endpoint, int? headerApiVersion)
        {
            var user = health["user"] as JObject;
            var apiVersion = Int(health["api_version"]) ?? headerApiVersion;
            var supported = apiVersion is int v && SkyApiProtocol.IsSupported(v);
            return new SkyApiServerInfo
            {
                Endpoint = endpoint.ToString(),
                EndpointSource = endpoint.Source,
                Status = (string?)health["status"],
                ApiVersion = apiVersion,
                Version = (string?)health["version"],
                Commit = (string?)health["commit"],
                User = (string?)user?["name"],
                UserId = (string?)user?["id"],
                BasicAuthEnabled = (bool?)(health["basic_auth_enabled"] as JValue) ?? false,
                ServiceAccountTokenEnabled = (bool?)(health["service_account_token_enabled"] as JValue) ?? false,
                Auth = endpoint.AuthDescription,
                IsRemote = endpoint.IsRemote,
                LocationReason = endpoint.LocationReason,
                Supported = supported,
                SupportNote = apiVersion is null
                    ? "the server did not report its API version; this module supports " + SkyApiProtocol.SupportedRange
                    : supported ? "supported (" + SkyApiProtocol.SupportedRange + ")"
                    : apiVersion < SkyApiProtocol.MinServerApiVersion ? "too old: this module supports " + SkyApiProtocol.SupportedRange + "; upgrade the API server"
                    : "newer than this module was checked against (" + SkyApiProtocol.SupportedRange + "); upgrade SkyPilot.PowerShell if anything fails",
            };
        }

        public static SkyApiException VersionRefused(SkyApiEndpoint endpoint, string? serverVersion, int? serverApiVersion) => new SkyApiException(
            SkyApiFailure.VersionMismatch,
            "The SkyPilot API server at " + endpoint + (serverVersion is null ? string.Empty : " (SkyPilot " + serverVersion + (serverApiVersion is null ? string.Empty : ", API version " + serverApiVersion) + ")")
                + " does not accept this module, which speaks API version " + SkyApiProtocol.ApiVersion + " and supports servers with " + SkyApiProtocol.SupportedRange + ".",
            "Upgrade SkyPilot.PowerShell, or use an API server within the supported range.",
            httpStatus: 400);

        public static SkyApiException TooOld(SkyApiEndpoint endpoint, SkyApiServerInfo info) => new SkyApiException(
            SkyApiFailure.VersionMismatch,
            "The SkyPilot API server at " + endpoint + " (SkyPilot " + (info.Version ?? "unknown") + ", API version " + info.ApiVersion + ") is older than this module supports (" + SkyApiProtocol.SupportedRange + ").",
            "Upgrade the API server (sky api stop; pip install -U skypilot; sky api start), or use an older SkyPilot.PowerShell.");

        public static SkyApiException NeedsAuth(SkyApiEndpoint endpoint) => new SkyApiException(
            SkyApiFailure.NeedsAuth,
            "The SkyPilot API server at " + endpoint + " requires authentication" + (endpoint.AuthDescription != "none" ? " and refused the credentials sent (" + endpoint.AuthDescription + ")" : string.Empty) + ".",
            endpoint.HasCookies
                ? "Your SSO session may have expired: run 'sky api login -e " + endpoint + "' again, or set SKYPILOT_SERVICE_ACCOUNT_TOKEN."
                : "Run 'sky api login -e " + endpoint + "' (SSO), set SKYPILOT_SERVICE_ACCOUNT_TOKEN to a service-account token (sky_...), or put user:password in the endpoint URL.",
            httpStatus: 401);

        public static SkyApiException RequestFailed(string requestId, JObject record)
        {
            var error = DecodeJsonString(record["error"]) as JObject;
            var type = (string?)error?["type"];
            var message = AnsiText.Strip((string?)error?["message"]) ?? "the request failed";
            return new SkyApiException(
                SkyApiFailure.RequestFailed,
                (type is null ? string.Empty : ShortType(type) + ": ") + Redactor.Redact(message),
                "See the request's log: sky api logs " + requestId,
                type is null ? null : ShortType(type),
                httpStatus: 500,
                requestId: requestId);
        }

        /// <summary>The server sends return values and errors as JSON strings; older ones sometimes as plain JSON.</summary>
        public static JToken? DecodeJsonString(JToken? token)
        {
            if (token is JValue value && value.Type == JTokenType.String)
            {
                try
                {
                    var parsed = JToken.Parse((string)value!);
                    return parsed.Type == JTokenType.Null ? null : parsed;
                }
                catch (JsonException)
                {
                    return value;
                }
            }

            return token?.Type == JTokenType.Null ? null : token;
        }

        public static JToken? TryParse(string body)
        {
            if (string.IsNullOrWhiteSpace(body))
            {
                return null;
            }

            try
            {
                return JToken.Parse(body);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>An integer sent as a number or a string (health's api_version is <c>"52"</c>).</summary>
        public static int? Int(JToken? token) =>
            token is JValue value && value.Value != null && int.TryParse(Convert.ToString(value.Value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (int?)null;

        private static int? Int(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (int?)null;

        public static string ShortType(string type)
        {
            var dot = type.LastIndexOf('.');
            return dot >= 0 ? type.Substring(dot + 1) : type;
        }

        private static string Snippet(string body)
        {
            var text = System.Text.RegularExpressions.Regex.Replace(body ?? string.Empty, "<[^>]*>|\\s+", " ").Trim();
            return Redactor.Redact(text.Length > 120 ? text.Substring(0, 120) + "..." : text.Length == 0 ? "empty body" : text);
        }
    }
}
