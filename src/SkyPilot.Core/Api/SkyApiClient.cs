using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
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
    /// id in <c>X-Skypilot-Request-ID</c> or <c>X-Request-ID</c>; <c>GET /api/get</c> blocks for the result). Every call
    /// goes through the one transport (<see cref="RetryingHttpSender"/>); the launch POST gets exactly one attempt, and a
    /// launch whose answer was lost is resolved only through the marker this submission put in its body.
    /// </summary>
    public sealed class SkyApiClient
    {
        /// <summary>
        /// The env var carrying a submission's marker in a launch's <c>env_vars</c>: <c>/api/status</c> returns the body it
        /// received, so a lost launch response can be matched to exactly this submission's request.
        /// </summary>
        public const string LaunchMarkerVariable = "SKYPILOT_PS_LAUNCH_MARKER";

        /// <summary>Variables that are secrets or describe this client's connection, never the job.</summary>
        private static readonly HashSet<string> NotForwarded = new HashSet<string>(StringComparer.Ordinal)
        {
            "SKYPILOT_SERVICE_ACCOUNT_TOKEN", "SKYPILOT_API_SERVER_ENDPOINT", "SKYPILOT_DB_CONNECTION_URI",
        };

        private static readonly TimeSpan RequestWait = TimeSpan.FromMinutes(30);

        private readonly HttpClient _http;
        private readonly SkyApiEndpoint _endpoint;
        private readonly SkyEnvironment _env;
        private readonly HttpSettings _settings;
        private readonly ISkyLog _log;
        private readonly RetryingHttpSender _sender;
        private readonly RetryingHttpSender _once;
        private readonly RetryingHttpSender _waiting;
        private readonly RetryingHttpSender _waitingOnce;

        public SkyApiClient(HttpClient http, SkyApiEndpoint endpoint, SkyEnvironment env, ISkyLog log)
        {
            _http = http;
            _endpoint = endpoint;
            _env = env;
            _settings = HttpSettings.FromEnvironment(env, log);
            _log = log;
            _sender = new RetryingHttpSender(http, _settings, log);
            _once = new RetryingHttpSender(http, _settings.With(maxAttempts: 1), log);
            _waiting = new RetryingHttpSender(http, _settings.With(attemptTimeout: RequestWait), log);
            _waitingOnce = new RetryingHttpSender(http, _settings.With(attemptTimeout: RequestWait, maxAttempts: 1), log);
        }

        /// <summary>The transport's retry policy, for loops that are themselves the retry (<see cref="Jobs.ManagedJobWaiter"/>).</summary>
        public RetryPolicy RetryPolicy => _sender.Policy;

        public SkyApiEndpoint Endpoint => _endpoint;

        /// <summary>What the last health check said, once made.</summary>
        public SkyApiServerInfo? Server { get; private set; }

        /// <summary>
        /// Variables added to every request's <c>env_vars</c> besides the caller's <c>SKYPILOT_*</c> ones (for a local
        /// server, the identity variables SkyPilot's own client forwards). Never logged.
        /// </summary>
        public IReadOnlyDictionary<string, string> ForwardedVariables { get; set; } = new Dictionary<string, string>();

        /// <summary>What <c>/api/health</c> reports, without judging it (for Get-SkyApiServer).</summary>
        public async Task<SkyApiServerInfo> GetServerInfoAsync(CancellationToken cancellationToken)
        {
            var reply = await SendAsync(_sender, HttpMethod.Get, "api/health", null, "health check", cancellationToken).ConfigureAwait(false);
            if (reply.StatusCode == 401 && SkyApiReplies.TryParse(reply.Body) is JObject needsAuth && (string?)needsAuth["status"] == "needs_auth")
            {
                return new SkyApiServerInfo { Endpoint = _endpoint.ToString(), EndpointSource = _endpoint.Source, Status = "needs_auth", Auth = _endpoint.AuthDescription, IsRemote = _endpoint.IsRemote, LocationReason = _endpoint.LocationReason, SupportNote = "authentication required" };
            }

            SkyApiReplies.ThrowForStatus(reply, "the health check", _endpoint);
            if (!(SkyApiReplies.TryParse(reply.Body) is JObject health))
            {
                throw new SkyApiException(SkyApiFailure.BadResponse, "The answer of " + _endpoint + " to /api/health is not a JSON object.", "Is " + _endpoint + " a SkyPilot API server?");
            }

            Server = SkyApiReplies.Health(health, _endpoint, SkyApiReplies.ApiVersionHeader(reply));
            return Server;
        }

        /// <summary>
        /// Checks the server is there, speaks a supported API version and lets us in (an ordinary route), before anything
        /// is staged.
        /// </summary>
        public async Task<SkyApiServerInfo> CheckHealthAsync(CancellationToken cancellationToken)
        {
            var info = await GetServerInfoAsync(cancellationToken).ConfigureAwait(false);
            if (info.Status == "needs_auth")
            {
                throw SkyApiReplies.NeedsAuth(_endpoint);
            }

            if (info.ApiVersion is int version && version < SkyApiProtocol.MinServerApiVersion)
            {
                throw SkyApiReplies.TooOld(_endpoint, info);
            }

            if (info.ApiVersion is int newer && newer > SkyApiProtocol.MaxServerApiVersion)
            {
                _log.Warning("The API server at " + _endpoint + " speaks API version " + newer + ", newer than this module was checked against (" + SkyApiProtocol.SupportedRange + ").");
            }

            // /api/health is often open to everyone; an ordinary route shows whether we are let in and speak its version.
            var status = await SendAsync(_sender, HttpMethod.Get, "api/status?all_status=false", null, "request status", cancellationToken).ConfigureAwait(false);
            SkyApiReplies.ThrowForStatus(status, "the request status", _endpoint);
            return info;
        }

        /// <summary>
        /// Launches a managed job: one POST carrying <paramref name="marker"/>, then wait for the request. After the body
        /// was sent, anything but a definitive rejection by the server itself ends in
        /// <see cref="SkyApiFailure.LaunchOutcomeUnknown"/> unless the marker finds this very request.
        /// </summary>
        public async Task<(long JobId, string RequestId)> LaunchAsync(string taskYaml, string? name, string marker, CancellationToken cancellationToken)
        {
            var body = Body("Submit-SkyJob", (LaunchMarkerVariable, marker));
            body["task"] = taskYaml;
            body["name"] = name;
            string? requestId = null;
            string? lost = null;
            try
            {
                var reply = await SendAsync(_once, HttpMethod.Post, "jobs/launch", body, "launch", cancellationToken, keepUnreachable: true).ConfigureAwait(false);
                if (reply.IsSuccess)
                {
                    requestId = SkyApiReplies.RequestId(reply);
                    lost = requestId is null ? "the answer carried no request id" : null;
                }
                else if (SkyApiReplies.IsDefinitiveRejection(reply))
                {
                    SkyApiReplies.ThrowForStatus(reply, "the launch", _endpoint);
                }
                else
                {
                    lost = "the answer was HTTP " + reply.StatusCode + (SkyApiReplies.IsServerJson(reply) ? string.Empty : " from something other than the API server");
                }
            }
            catch (ServiceUnreachableException e) when (!e.NotSent)
            {
                lost = Redactor.Redact(e.Detail);
            }
            catch (ServiceUnreachableException e)
            {
                throw Unreachable(e.Detail, e);
            }

            if (requestId is null)
            {
                _log.Warning("The launch's answer was lost (" + lost + "); looking for this submission's request on the server instead of posting again.");
                requestId = await FindLaunchAsync(marker, cancellationToken).ConfigureAwait(false)
                    ?? throw OutcomeUnknown(null, "its answer was lost (" + lost + ") and the server lists no launch with this submission's marker yet");
            }

            return (await LaunchResultAsync(requestId, cancellationToken).ConfigureAwait(false), requestId);
        }

        /// <summary>The job id of a launch request that the server has, waiting for it to finish.</summary>
        public async Task<long> LaunchResultAsync(string requestId, CancellationToken cancellationToken)
        {
            ApiRequestResult result;
            try
            {
                result = await GetRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
            }
            catch (SkyApiException e) when (e.Failure != SkyApiFailure.RequestFailed)
            {
                // The server has the launch: failing to read its outcome must never read as "not submitted".
                throw OutcomeUnknown(requestId, "its outcome could not be read: " + e.Message, e);
            }

            return ManagedJobParser.LaunchedJobId(result.ReturnValue)
                ?? throw new SkyApiException(SkyApiFailure.BadResponse, "The launch request " + requestId + " finished without a job id.", "Check the job queue with Get-SkyJob before submitting again.", requestId: requestId);
        }

        /// <summary>
        /// The launch request carrying <paramref name="marker"/>, or null when the server (which answered) lists none.
        /// Throws <see cref="SkyApiFailure.LaunchOutcomeUnknown"/> when the server cannot be asked.
        /// </summary>
        public async Task<string?> FindLaunchAsync(string marker, CancellationToken cancellationToken)
        {
            HttpCallResult reply;
            try
            {
                reply = await SendAsync(_sender, HttpMethod.Get, "api/status?all_status=true", null, "request status", cancellationToken).ConfigureAwait(false);
                SkyApiReplies.ThrowForStatus(reply, "the request status", _endpoint);
            }
            catch (Exception e) when (e is SkyApiException || e is ServiceUnreachableException)
            {
                throw OutcomeUnknown(null, "its answer was lost and the server could not be asked which launches it has: " + Redactor.Redact(e.Message), e);
            }

            // The request body can hold forwarded credentials: it is read for the marker only, never shown or logged.
            foreach (var record in (SkyApiReplies.TryParse(reply.Body) as JArray ?? new JArray()).OfType<JObject>())
            {
                if (((string?)record["name"])?.EndsWith("jobs.launch", StringComparison.Ordinal) == true
                    && SkyApiReplies.DecodeJsonString(record["request_body"]) is JObject body
                    && (string?)body["env_vars"]?[LaunchMarkerVariable] == marker
                    && (string?)record["request_id"] is string id)
                {
                    return id;
                }
            }

            return null;
        }

        /// <summary>
        /// The managed-job queue (<c>/jobs/queue/v2</c>, falling back to <c>/jobs/queue</c> on older servers). No jobs
        /// controller: empty. With <paramref name="singleAttempt"/> every request is sent once, for a caller that is
        /// itself the retry (a poll loop), so the transport's retries are not nested inside its own.
        /// </summary>
        public async Task<IReadOnlyList<ManagedJob>> QueueAsync(ManagedJobQuery query, CancellationToken cancellationToken, bool singleAttempt = false)
        {
            var sender = singleAttempt ? _once : _sender;
            var body = Body("Get-SkyJob");
            body["refresh"] = query.Refresh;
            body["skip_finished"] = query.SkipFinished;
            body["all_users"] = query.AllUsers;
            body["job_ids"] = query.JobIds is null ? null : new JArray(query.JobIds);
            if (query.Workspace != null)
            {
                body["workspace_match"] = query.Workspace;
            }

            var reply = await SendAsync(sender, HttpMethod.Post, "jobs/queue/v2", body, "job queue", cancellationToken).ConfigureAwait(false);
            if (reply.StatusCode == 404)
            {
                reply = await SendAsync(sender, HttpMethod.Post, "jobs/queue", body, "job queue", cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var result = await GetRequestAsync(singleAttempt ? _waitingOnce : _waiting, Accepted(reply, "the job queue"), cancellationToken).ConfigureAwait(false);
                return ManagedJobParser.ParseQueue(result.ReturnValue, _endpoint.ToString());
            }
            catch (SkyApiException e) when (e.ErrorType == "ClusterNotUpError")
            {
                // No jobs controller: `sky jobs queue` shows an empty queue and exits 0.
                _log.Verbose("The jobs controller is not up (" + e.Message + "): no managed jobs.");
                return Array.Empty<ManagedJob>();
            }
        }

        /// <summary>The clouds the server has enabled for compute, from its own cache (<c>GET /enabled_clouds</c>), lower-case.</summary>
        public async Task<IReadOnlyList<string>> EnabledCloudsAsync(string workspace, CancellationToken cancellationToken)
        {
            var reply = await SendAsync(_sender, HttpMethod.Get, "enabled_clouds?workspace=" + Uri.EscapeDataString(workspace) + "&expand=false", null, "enabled clouds", cancellationToken).ConfigureAwait(false);
            var result = await GetRequestAsync(Accepted(reply, "the enabled-clouds request"), cancellationToken).ConfigureAwait(false);
            return (result.ReturnValue as JArray ?? new JArray()).Select(c => c.ToString().ToLowerInvariant()).ToList();
        }

        /// <summary>Has the server check these clouds again (<c>POST /check</c>), which also refreshes its cache; reasons come from the log.</summary>
        public async Task<ServerCloudView> CheckCloudsAsync(IReadOnlyList<string> clouds, string workspace, CancellationToken cancellationToken)
        {
            var body = Body("Submit-SkyJob");
            body["clouds"] = new JArray(clouds);
            body["verbose"] = true;
            body["workspace"] = workspace;
            var reply = await SendAsync(_sender, HttpMethod.Post, "check", body, "cloud check", cancellationToken).ConfigureAwait(false);
            var requestId = Accepted(reply, "the cloud check");
            var result = await GetRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
            var log = await ReadLogAsync(requestId, cancellationToken).ConfigureAwait(false);
            return ServerCloudView.Parse(result.ReturnValue, workspace, log);
        }

        /// <summary>
        /// Has the server validate a task as it will be launched (<c>POST /validate</c>, synchronous). Returns null when
        /// valid, else the server's message.
        /// </summary>
        public async Task<string?> ValidateAsync(string dagYaml, CancellationToken cancellationToken)
        {
            var body = Body("Submit-SkyJob");
            body["dag"] = dagYaml;
            body["request_options"] = null;
            var reply = await SendAsync(_sender, HttpMethod.Post, "validate", body, "task validation", cancellationToken).ConfigureAwait(false);
            if (reply.StatusCode == 404)
            {
                _log.Verbose("The API server has no /validate; the task is validated when it is launched.");
                return null;
            }

            if (reply.StatusCode == 400 && SkyApiReplies.TryParse(reply.Body) is JObject invalid && invalid["detail"] is JObject)
            {
                return SkyApiReplies.Detail(invalid);
            }

            SkyApiReplies.ThrowForStatus(reply, "the task validation", _endpoint);
            return null;
        }

        /// <summary>Cancels jobs and reports per job what the server did (read from the request's log).</summary>
        public async Task<IReadOnlyList<CancelOutcome>> CancelAsync(IReadOnlyList<long> jobIds, CancellationToken cancellationToken)
        {
            var body = Body("Stop-SkyJob");
            body["job_ids"] = new JArray(jobIds);
            body["all"] = false;
            body["all_users"] = false;
            var reply = await SendAsync(_sender, HttpMethod.Post, "jobs/cancel", body, "cancel", cancellationToken).ConfigureAwait(false);
            var requestId = Accepted(reply, "the cancel request");
            await GetRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
            var log = await ReadLogAsync(requestId, cancellationToken).ConfigureAwait(false);
            return CancelLog.Parse(log, jobIds);
        }

        /// <summary>
        /// Streams a managed job's log (<c>POST /jobs/logs</c>): each text line goes to <paramref name="onLine"/> as it
        /// arrives (ANSI kept; <c>&lt;sky-payload&gt;</c> control lines dropped), then the job's exit code is read from the
        /// request's result: 0 succeeded, 100 failed, 101 not finished, 102 not found, 103 cancelled.
        /// </summary>
        public async Task<int?> StreamJobLogAsync(JobLogQuery query, Action<string> onLine, CancellationToken cancellationToken)
        {
            var body = Body("Get-SkyJobLog");
            body["job_id"] = query.JobId;
            body["name"] = query.Name;
            body["follow"] = query.Follow;
            body["controller"] = query.Controller;
            body["refresh"] = false;
            body["tail"] = query.Tail;
            var json = body.ToString(Formatting.None);
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_endpoint.BaseUri, "jobs/logs")) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            AddHeaders(request);
            HttpResponseMessage response;
            try
            {
                response = await _sender.SendStreamingAsync(request, "SkyPilot API job log", cancellationToken).ConfigureAwait(false);
            }
            catch (ServiceUnreachableException e)
            {
                throw Unreachable(e.Detail, e);
            }

            string? requestId;
            using (request)
            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    SkyApiReplies.ThrowForStatus(new HttpCallResult((int)response.StatusCode, text, new Dictionary<string, string>()), "the job log", _endpoint);
                }

                requestId = SkyApiProtocol.RequestIdHeaders.Select(h => response.Headers.TryGetValues(h, out var v) ? v.FirstOrDefault() : null).FirstOrDefault(v => !string.IsNullOrEmpty(v));
                using (var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                using (cancellationToken.Register(() => stream.Dispose()))
                {
                    try
                    {
                        await ReadLinesAsync(stream, line =>
                        {
                            if (!line.StartsWith("<sky-payload>", StringComparison.Ordinal))
                            {
                                onLine(line);
                            }
                        }, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception) when (cancellationToken.IsCancellationRequested)
                    {
                        throw new OperationCanceledException(cancellationToken);
                    }
                }
            }

            if (requestId is null)
            {
                return null;
            }

            var result = await GetRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
            return SkyApiReplies.Int(result.ReturnValue);
        }

        /// <summary>Splits a UTF-8 stream into lines as bytes arrive; each read honours the token, so Ctrl+C ends it at once.</summary>
        private static async Task ReadLinesAsync(System.IO.Stream stream, Action<string> onLine, CancellationToken cancellationToken)
        {
            var decoder = Encoding.UTF8.GetDecoder();
            var buffer = new byte[8192];
            var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
            var line = new StringBuilder();
            int read;
            while ((read = await stream.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var count = decoder.GetChars(buffer, 0, read, chars, 0);
                for (var i = 0; i < count; i++)
                {
                    if (chars[i] == '\n')
                    {
                        onLine(line.ToString().TrimEnd('\r'));
                        line.Clear();
                    }
                    else
                    {
                        line.Append(chars[i]);
                    }
                }
            }

            if (line.Length > 0)
            {
                onLine(line.ToString().TrimEnd('\r'));
            }
        }

        /// <summary>A finished request's whole log (<c>/api/stream</c>, plain, not following).</summary>
        public async Task<string> ReadLogAsync(string requestId, CancellationToken cancellationToken)
        {
            var reply = await SendAsync(_sender, HttpMethod.Get, "api/stream?request_id=" + Uri.EscapeDataString(requestId) + "&format=plain&follow=false", null, "request log", cancellationToken).ConfigureAwait(false);
            SkyApiReplies.ThrowForStatus(reply, "the log of request " + requestId, _endpoint);
            return reply.Body;
        }

        /// <summary>Waits for a request (<c>GET /api/get</c> blocks until it finishes) and decodes its return value.</summary>
        public Task<ApiRequestResult> GetRequestAsync(string requestId, CancellationToken cancellationToken) => GetRequestAsync(_waiting, requestId, cancellationToken);

        private async Task<ApiRequestResult> GetRequestAsync(RetryingHttpSender sender, string requestId, CancellationToken cancellationToken)
        {
            var reply = await SendAsync(sender, HttpMethod.Get, "api/get?request_id=" + Uri.EscapeDataString(requestId), null, "request " + requestId, cancellationToken, IsTransientForGet).ConfigureAwait(false);
            return SkyApiReplies.RequestResult(requestId, reply, _endpoint);
        }

        /// <summary>/api/get answers 500 with the record for a request that failed: that is an answer, not a fault.</summary>
        private static bool IsTransientForGet(HttpCallResult reply) =>
            reply.StatusCode == 429 || reply.StatusCode == 502 || reply.StatusCode == 503 || reply.StatusCode == 504
            || (reply.StatusCode == 500 && !(SkyApiReplies.TryParse(reply.Body) is JObject json && json["detail"] is JObject));

        private static bool IsTransient(HttpCallResult reply) =>
            reply.StatusCode == 429 || reply.StatusCode == 502 || reply.StatusCode == 503 || reply.StatusCode == 504
            || (reply.StatusCode == 500 && !SkyApiReplies.IsServerJson(reply));

        private string Accepted(HttpCallResult reply, string what)
        {
            SkyApiReplies.ThrowForStatus(reply, what, _endpoint);
            return SkyApiReplies.RequestId(reply)
                ?? throw new SkyApiException(SkyApiFailure.BadResponse, "The API server answered " + what + " without a request id (neither X-Skypilot-Request-ID nor X-Request-ID).", "Is " + _endpoint + " a SkyPilot API server?");
        }

        /// <summary>
        /// Sends through the one transport; a call that never got an answer becomes <see cref="SkyApiFailure.Unreachable"/>
        /// unless <paramref name="keepUnreachable"/> (the launch, which tells a request never sent from an answer lost).
        /// </summary>
        private async Task<HttpCallResult> SendAsync(RetryingHttpSender sender, HttpMethod method, string path, JObject? body, string operation, CancellationToken cancellationToken,
            Func<HttpCallResult, bool>? isTransient = null, bool keepUnreachable = false)
        {
            var json = body?.ToString(Formatting.None);
            HttpRequestMessage Create()
            {
                var request = new HttpRequestMessage(method, new Uri(_endpoint.BaseUri, path));
                if (json != null)
                {
                    request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                }

                AddHeaders(request);
                return request;
            }

            if (keepUnreachable)
            {
                return await sender.SendAsync(Create, "SkyPilot API " + operation, cancellationToken, isTransient ?? IsTransient).ConfigureAwait(false);
            }

            try
            {
                return await sender.SendAsync(Create, "SkyPilot API " + operation, cancellationToken, isTransient ?? IsTransient).ConfigureAwait(false);
            }
            catch (ServiceUnreachableException e)
            {
                throw Unreachable(e.Detail, e);
            }
        }

        private void AddHeaders(HttpRequestMessage request)
        {
            request.Headers.TryAddWithoutValidation(SkyApiProtocol.ApiVersionHeader, SkyApiProtocol.ApiVersion.ToString(CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation(SkyApiProtocol.VersionHeader, SkyApiProtocol.ClientVersion);
            if (_endpoint.BearerToken != null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _endpoint.BearerToken);
            }
            else if (_endpoint.BasicAuth != null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _endpoint.BasicAuth);
            }

            if (_endpoint.Cookies != null)
            {
                request.Headers.TryAddWithoutValidation("Cookie", _endpoint.Cookies);
            }
        }

        private SkyApiException Unreachable(string detail, Exception? inner) => new SkyApiException(
            SkyApiFailure.Unreachable,
            "The SkyPilot API server at " + _endpoint + " (from " + _endpoint.Source + ") could not be reached: " + Redactor.Redact(detail),
            "Start it with 'sky api start', or point SKYPILOT_API_SERVER_ENDPOINT or -Endpoint at a running server.",
            inner: inner);

        private SkyApiException OutcomeUnknown(string? requestId, string why, Exception? inner = null) => new SkyApiException(
            SkyApiFailure.LaunchOutcomeUnknown,
            "The launch was sent to " + _endpoint + (requestId is null ? string.Empty : " as request " + requestId) + ", but " + why + ". The job may exist; nothing was posted again.",
            (requestId is null ? "Check Get-SkyJob" : "Check Get-SkyJob or 'sky api get " + requestId + "'")
                + ". Running the same Submit-SkyJob again first looks this launch up and returns it if the server has it.",
            inner: inner,
            requestId: requestId);

        private JObject Body(string command, params (string Name, string Value)[] extra)
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

            foreach (var pair in ForwardedVariables)
            {
                env[pair.Key] = pair.Value;
            }

            foreach (var (name, value) in extra)
            {
                env[name] = value;
            }

            env["SKYPILOT_USER_ID"] = SkyUser.Id(_env);
            env["SKYPILOT_USER"] = SkyUser.Name(_env);
            return new JObject
            {
                ["env_vars"] = env,
                ["entrypoint"] = "SkyPilot.PowerShell",
                ["entrypoint_command"] = command,
                ["using_remote_api_server"] = remote,
                // A remote server cannot read this machine's ~/.sky/config.yaml: send it, as SkyPilot's client does (not api_server).
                ["override_skypilot_config"] = remote ? Config.SkyConfig.Load(_env).ToJson("api_server") : null,
            };
        }
    }
}
