using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Api
{
    /// <summary>
    /// The SkyPilot API server protocol: <c>/api/health</c> first, then asynchronous requests (POST answers a request
    /// id in <c>X-Skypilot-Request-ID</c> or <c>X-Request-ID</c>; <c>GET /api/get</c> blocks for the result).
    /// A launch is posted once only: a lost response is resolved through <c>/api/status</c>, never by posting again.
    /// </summary>
    public sealed class SkyApiClient
    {
        /// <summary>The API version this client speaks (sent as <c>X-SkyPilot-API-Version</c>).</summary>
        public const int ApiVersion = 20;

        public const string ClientVersion = "0.1.0+skypilot.powershell";

        private static readonly string[] RequestIdHeaders = { "X-Skypilot-Request-ID", "X-Request-ID" };

        /// <summary>Variables that are secrets or describe this client's connection, never the job.</summary>
        private static readonly HashSet<string> NotForwarded = new HashSet<string>(StringComparer.Ordinal)
        {
            "SKYPILOT_SERVICE_ACCOUNT_TOKEN", "SKYPILOT_API_SERVER_ENDPOINT", "SKYPILOT_DB_CONNECTION_URI",
        };
        private readonly HttpClient _http;
        private readonly SkyApiEndpoint _endpoint;
        private readonly SkyEnvironment _env;
        private readonly HttpSettings _settings;
        private readonly ISkyLog _log;

        /// <summary>The user id the server attributes our requests to (from /api/health), once known.</summary>
        private string? _serverUserId;

        public SkyApiClient(HttpClient http, SkyApiEndpoint endpoint, SkyEnvironment env, ISkyLog log)
        {
            _http = http;
            _endpoint = endpoint;
            _env = env;
            _settings = HttpSettings.FromEnvironment(env);
            _log = log;
        }

        public SkyApiEndpoint Endpoint => _endpoint;

        /// <summary>
        /// Checks the server is there (<c>/api/health</c>), lets us in and speaks our version (an ordinary route), before
        /// anything is staged. Returns its api_version when reported.
        /// </summary>
        public async Task<int?> CheckHealthAsync(CancellationToken cancellationToken)
        {
            var (status, body) = await SendAsync(HttpMethod.Get, "api/health", null, _settings.AttemptTimeout, cancellationToken).ConfigureAwait(false);
            ThrowForStatus(status, body, "health check");
            var health = ParseObject(body, "health check");
            if ((string?)health["status"] == "needs_auth")
            {
                throw NeedsAuth();
            }

            _serverUserId = (string?)health["user"]?["id"];

            // /api/health is often open to everyone; an ordinary route shows whether we are let in and speak its version.
            var (statusCode, statusBody) = await SendAsync(HttpMethod.Get, "api/status?all_status=false", null, _settings.AttemptTimeout, cancellationToken).ConfigureAwait(false);
            ThrowForStatus(statusCode, statusBody, "request status");

            return (int?)health["api_version"];
        }

        /// <summary>Launches a managed job: POST once, then wait for the request. Returns the job id and request id.</summary>
        public async Task<(long JobId, string RequestId)> LaunchAsync(string taskYaml, string? name, CancellationToken cancellationToken)
        {
            var body = Body();
            body["task"] = taskYaml;
            body["name"] = name;
            var sentAt = DateTimeOffset.UtcNow;
            string requestId;
            try
            {
                requestId = await PostAsync("jobs/launch", body, cancellationToken, resolveLostResponse: true).ConfigureAwait(false);
            }
            catch (LostResponseException lost)
            {
                _log.Warning("The launch response was lost (" + lost.Message + "); looking the request up on the server instead of posting again");
                requestId = await FindLaunchRequestAsync(sentAt, cancellationToken).ConfigureAwait(false);
            }

            // From here on the server has the launch: a failure to read its outcome must never read as "not submitted".
            var result = await GetLaunchResultAsync(requestId, cancellationToken).ConfigureAwait(false);
            var jobId = ManagedJobParser.LaunchedJobId(result.ReturnValue)
                ?? throw new SkyApiException(SkyApiFailure.BadResponse, "The launch request " + requestId + " finished without a job id.", "Check the job queue with Get-SkyJob.");
            return (jobId, requestId);
        }

        /// <summary>Waits for an accepted launch, retrying transient failures; gives up as <see cref="SkyApiFailure.LaunchOutcomeUnknown"/>.</summary>
        private async Task<ApiRequestResult> GetLaunchResultAsync(string requestId, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await GetRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
                }
                catch (SkyApiException e) when (e.Failure != SkyApiFailure.RequestFailed)
                {
                    if (attempt >= _settings.MaxAttempts || e.Failure == SkyApiFailure.NeedsAuth || e.Failure == SkyApiFailure.VersionMismatch)
                    {
                        throw new SkyApiException(
                            SkyApiFailure.LaunchOutcomeUnknown,
                            "The launch was accepted as request " + requestId + ", but its outcome could not be read: " + e.Message + " The job may exist; nothing was posted again.",
                            "Check Get-SkyJob (or 'sky api get " + requestId + "') before submitting again.",
                            inner: e);
                    }

                    _log.Verbose("Reading launch request " + requestId + " failed (" + e.Message + "); retrying");
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 2 * attempt)), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        /// <summary>The managed-job queue (<c>/jobs/queue/v2</c>, falling back to <c>/jobs/queue</c> on older servers).</summary>
        public async Task<IReadOnlyList<ManagedJob>> QueueAsync(IReadOnlyList<long>? jobIds, bool skipFinished, CancellationToken cancellationToken)
        {
            var body = Body();
            body["refresh"] = false;
            body["skip_finished"] = skipFinished;
            body["all_users"] = false;
            body["job_ids"] = jobIds is null ? null : new JArray(jobIds);
            string requestId;
            try
            {
                requestId = await PostAsync("jobs/queue/v2", body, cancellationToken).ConfigureAwait(false);
            }
            catch (SkyApiException e) when (e.Failure == SkyApiFailure.BadResponse && e.Message.Contains("HTTP 404"))
            {
                requestId = await PostAsync("jobs/queue", body, cancellationToken).ConfigureAwait(false);
            }

            var result = await GetRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
            return ManagedJobParser.ParseQueue(result.ReturnValue, _endpoint.ToString());
        }

        public async Task CancelAsync(IReadOnlyList<long> jobIds, CancellationToken cancellationToken)
        {
            var body = Body();
            body["job_ids"] = new JArray(jobIds);
            body["all"] = false;
            body["all_users"] = false;
            var requestId = await PostAsync("jobs/cancel", body, cancellationToken).ConfigureAwait(false);
            await GetRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Waits for a request (<c>GET /api/get</c> blocks until it finishes) and decodes its return value.</summary>
        public async Task<ApiRequestResult> GetRequestAsync(string requestId, CancellationToken cancellationToken)
        {
            var (status, body) = await SendAsync(HttpMethod.Get, "api/get?request_id=" + Uri.EscapeDataString(requestId), null, TimeSpan.FromMinutes(30), cancellationToken).ConfigureAwait(false);
            if (status == 500)
            {
                throw RequestFailed(requestId, body);
            }

            ThrowForStatus(status, body, "request " + requestId);
            var payload = ParseObject(body, "request " + requestId);
            return new ApiRequestResult(requestId, (string?)payload["name"], (string?)payload["status"], DecodeJsonString(payload["return_value"]));
        }

        private async Task<string> FindLaunchRequestAsync(DateTimeOffset sentAt, CancellationToken cancellationToken)
        {
            if (_serverUserId is null)
            {
                await CheckHealthAsync(cancellationToken).ConfigureAwait(false);
            }

            var users = new HashSet<string?>(StringComparer.Ordinal) { UserId(), _serverUserId };
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var (status, body) = await SendAsync(HttpMethod.Get, "api/status?all_status=true", null, _settings.AttemptTimeout, cancellationToken).ConfigureAwait(false);
                ThrowForStatus(status, body, "request status");
                var candidates = (JToken.Parse(body) as JArray ?? new JArray()).OfType<JObject>()
                    .Where(r => (string?)r["name"] == "sky.jobs.launch")
                    .Where(r => (string?)r["user_id"] is null || users.Contains((string?)r["user_id"]))
                    .Where(r => ManagedJobParser.Seconds(r["created_at"]) is double created && created >= sentAt.ToUnixTimeSeconds() - 5)
                    .Select(r => (string?)r["request_id"]).Where(id => id != null).ToList();
                if (candidates.Count == 1)
                {
                    return candidates[0]!;
                }

                if (candidates.Count > 1)
                {
                    throw new SkyApiException(SkyApiFailure.LaunchOutcomeUnknown, "The launch response was lost and " + candidates.Count + " launches since " + sentAt.ToString("u", CultureInfo.InvariantCulture) + " match (" + string.Join(", ", candidates) + "); nothing was posted again.", "Check Get-SkyJob before submitting again.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(300 * (attempt + 1)), cancellationToken).ConfigureAwait(false);
            }

            throw new SkyApiException(SkyApiFailure.LaunchOutcomeUnknown, "The launch response was lost and the server shows no launch request since " + sentAt.ToString("u", CultureInfo.InvariantCulture) + "; it appears nothing was submitted, and nothing was posted again.", "Check Get-SkyJob, then submit again (staged files are reused).");
        }

        /// <summary>POSTs an asynchronous request once and returns its request id.</summary>
        private async Task<string> PostAsync(string path, JObject body, CancellationToken cancellationToken, bool resolveLostResponse = false)
        {
            int status;
            string text;
            HttpResponseHeaders headers;
            try
            {
                (status, text, headers) = await SendOnceAsync(HttpMethod.Post, path, body, _settings.AttemptTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (LostResponseException e) when (!resolveLostResponse)
            {
                throw Unreachable(e.Message, e);
            }

            ThrowForStatus(status, text, path);
            foreach (var name in RequestIdHeaders)
            {
                if (headers.TryGetValues(name, out var values) && values.FirstOrDefault() is string id && id.Length > 0)
                {
                    return id;
                }
            }

            throw new SkyApiException(SkyApiFailure.BadResponse, "The API server answered /" + path + " without a request id (neither X-Skypilot-Request-ID nor X-Request-ID).", "Is " + _endpoint + " a SkyPilot API server?");
        }

        private async Task<(int Status, string Body)> SendAsync(HttpMethod method, string path, JObject? body, TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                var (status, text, _) = await SendOnceAsync(method, path, body, timeout, cancellationToken).ConfigureAwait(false);
                return (status, text);
            }
            catch (LostResponseException e)
            {
                throw Unreachable(e.Message, e);
            }
        }

        private async Task<(int Status, string Body, HttpResponseHeaders Headers)> SendOnceAsync(HttpMethod method, string path, JObject? body, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using (var request = new HttpRequestMessage(method, new Uri(_endpoint.BaseUri, path)))
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                if (body != null)
                {
                    request.Content = new StringContent(body.ToString(Formatting.None), Encoding.UTF8, "application/json");
                }

                request.Headers.TryAddWithoutValidation("X-SkyPilot-API-Version", ApiVersion.ToString(CultureInfo.InvariantCulture));
                request.Headers.TryAddWithoutValidation("X-SkyPilot-Version", ClientVersion);
                if (_endpoint.BearerToken != null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _endpoint.BearerToken);
                }
                else if (_endpoint.BasicAuth != null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _endpoint.BasicAuth);
                }

                deadline.CancelAfter(timeout);
                var started = DateTime.UtcNow;
                try
                {
                    using (var response = await _http.SendAsync(request, deadline.Token).ConfigureAwait(false))
                    {
                        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                        _log.Debug("HTTP " + method + " " + Redactor.Redact(request.RequestUri!.ToString()) + " -> " + (int)response.StatusCode + " (" + (long)(DateTime.UtcNow - started).TotalMilliseconds + " ms)");
                        return ((int)response.StatusCode, text, response.Headers);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException e)
                {
                    throw new LostResponseException("no answer within " + timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s", e, refused: false);
                }
                catch (HttpRequestException e)
                {
                    var refused = e.GetBaseException() is SocketException socket && socket.SocketErrorCode == SocketError.ConnectionRefused;
                    if (refused)
                    {
                        throw Unreachable(e.GetBaseException().Message, e);
                    }

                    throw new LostResponseException(e.GetBaseException().Message, e, refused: false);
                }
                catch (IOException e)
                {
                    throw new LostResponseException(e.Message, e, refused: false);
                }
            }
        }

        private void ThrowForStatus(int status, string body, string what)
        {
            if (status >= 200 && status < 300)
            {
                return;
            }

            if (status == 401)
            {
                throw NeedsAuth();
            }

            JObject? error = null;
            try
            {
                error = JToken.Parse(body) as JObject;
            }
            catch (JsonException)
            {
            }

            if (status == 400 && ((string?)error?["error"] == "version_mismatch" || (string?)error?["detail"]?["error"] == "version_mismatch"))
            {
                var message = (string?)error?["message"] ?? (string?)error?["detail"]?["message"] ?? "versions are incompatible";
                throw new SkyApiException(SkyApiFailure.VersionMismatch, "The SkyPilot API server at " + _endpoint + " does not accept this client's API version " + ApiVersion + ": " + message, "Upgrade the module, or use an API server of a compatible SkyPilot version.");
            }

            if (status == 503 || status == 502 || status == 504)
            {
                throw Unreachable("HTTP " + status + " for " + what, null);
            }

            var detail = (string?)error?["detail"] ?? (string?)error?["message"] ?? Truncate(body);
            throw new SkyApiException(SkyApiFailure.BadResponse, "The API server answered HTTP " + status + " for " + what + ": " + Redactor.Redact(detail), "Check the server's logs ('sky api logs').");
        }

        private SkyApiException RequestFailed(string requestId, string body)
        {
            JToken? error = null;
            try
            {
                var root = JToken.Parse(body) as JObject;
                var payload = root?["detail"] as JObject ?? root;
                error = DecodeJsonString(payload?["error"]);
            }
            catch (JsonException)
            {
            }

            var type = (string?)error?["type"];
            var message = (string?)error?["message"] ?? Truncate(body);
            return new SkyApiException(SkyApiFailure.RequestFailed, (type is null ? string.Empty : ShortType(type) + ": ") + Redactor.Redact(message), "See the request's log: sky api logs " + requestId, type);
        }

        private SkyApiException NeedsAuth() => new SkyApiException(
            SkyApiFailure.NeedsAuth,
            "The SkyPilot API server at " + _endpoint + " requires authentication" + (_endpoint.BearerToken != null || _endpoint.BasicAuth != null ? " and refused the credentials sent" : string.Empty) + ".",
            "Set SKYPILOT_SERVICE_ACCOUNT_TOKEN to a service-account token (sky_...), put user:password in the endpoint URL, or run 'sky api login'.");

        private SkyApiException Unreachable(string detail, Exception? inner) => new SkyApiException(
            SkyApiFailure.Unreachable,
            "The SkyPilot API server at " + _endpoint + " (from " + _endpoint.Source + ") could not be reached: " + Redactor.Redact(detail),
            "Start it with 'sky api start', or point SKYPILOT_API_SERVER_ENDPOINT or -Endpoint at a running server.",
            inner: inner);

        private JObject Body()
        {
            var remote = _endpoint.IsRemote;
            var env = new JObject();
            foreach (var pair in _env.WithPrefix("SKYPILOT_"))
            {
                if (!NotForwarded.Contains(pair.Key) && !pair.Key.StartsWith("SKYPILOT_PS_", StringComparison.Ordinal) && !(remote && pair.Key == "SKYPILOT_CONFIG"))
                {
                    env[pair.Key] = pair.Value;
                }
            }

            env["SKYPILOT_USER_ID"] = UserId();
            env["SKYPILOT_USER"] = SkyUser.Name(_env);
            return new JObject
            {
                ["env_vars"] = env,
                ["entrypoint"] = "SkyPilot.PowerShell",
                ["entrypoint_command"] = "Submit-SkyJob",
                ["using_remote_api_server"] = remote,
                // A remote server cannot read this machine's ~/.sky/config.yaml: send it, as SkyPilot's client does (not api_server).
                ["override_skypilot_config"] = remote ? Config.SkyConfig.Load(_env).ToJson("api_server") : null,
            };
        }

        private string UserId() => SkyUser.Id(_env);

        private static JObject ParseObject(string body, string what)
        {
            try
            {
                return JToken.Parse(body) as JObject ?? throw new JsonReaderException("not an object");
            }
            catch (JsonException)
            {
                throw new SkyApiException(SkyApiFailure.BadResponse, "The API server's answer to the " + what + " is not a JSON object.", "Is the endpoint a SkyPilot API server?");
            }
        }

        /// <summary>The server sends return values and errors as JSON strings; older ones sometimes as plain JSON.</summary>
        private static JToken? DecodeJsonString(JToken? token)
        {
            if (token is JValue value && value.Type == JTokenType.String)
            {
                try
                {
                    return JToken.Parse((string)value!);
                }
                catch (JsonException)
                {
                    return value;
                }
            }

            return token?.Type == JTokenType.Null ? null : token;
        }

        private static string ShortType(string type)
        {
            var dot = type.LastIndexOf('.');
            return dot >= 0 ? type.Substring(dot + 1) : type;
        }

        private static string Truncate(string text) => text.Length > 300 ? text.Substring(0, 300) + "..." : text;

        /// <summary>The request may have reached the server, but no answer came back.</summary>
        private sealed class LostResponseException : Exception
        {
            public LostResponseException(string message, Exception inner, bool refused)
                : base(message, inner)
            {
                Refused = refused;
            }

            public bool Refused { get; }
        }
    }
}
