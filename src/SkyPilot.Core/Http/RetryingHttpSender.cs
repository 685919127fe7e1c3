using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.Core.Http
{
    /// <summary>
    /// Sends a request with a timeout per attempt, retrying transport failures, timeouts, 429 and 5xx
    /// with exponential backoff and the server's <c>Retry-After</c>.
    /// </summary>
    public sealed class RetryingHttpSender
    {
        private static readonly Random Jitter = new Random();
        private readonly HttpClient _http;
        private readonly HttpSettings _settings;
        private readonly ISkyLog _log;

        public RetryingHttpSender(HttpClient http, HttpSettings settings, ISkyLog log)
        {
            _http = http;
            _settings = settings;
            _log = log;
        }

        /// <summary>
        /// Sends the request built by <paramref name="createRequest"/> (called once per attempt) and reads the body.
        /// Returns the last response even when it is a 429/5xx; throws <see cref="ServiceUnreachableException"/>
        /// when no attempt got a response. <paramref name="isTransient"/> overrides which responses are retried (default:
        /// 429, 500, 502, 503, 504), for APIs whose 500 carries a definitive answer.
        /// </summary>
        public async Task<HttpCallResult> SendAsync(Func<HttpRequestMessage> createRequest, string operation, CancellationToken cancellationToken, Func<HttpCallResult, bool>? isTransient = null)
        {
            string lastFailure = "no attempt was made";
            Exception? lastException = null;
            var reachedServer = false;
            var transient = isTransient ?? new Func<HttpCallResult, bool>(r => IsRetryable(r.StatusCode));
            string endpoint = string.Empty;
            for (var attempt = 1; attempt <= _settings.MaxAttempts; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan? retryAfter = null;
                using (var request = createRequest())
                using (var deadline = new AttemptDeadline(_settings.AttemptTimeout, cancellationToken))
                {
                    endpoint = request.RequestUri!.GetLeftPart(UriPartial.Authority);
                    var stopwatch = Stopwatch.StartNew();
                    try
                    {
                        using (var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false))
                        {
                            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                            var status = (int)response.StatusCode;
                            Trace(request, status.ToString(CultureInfo.InvariantCulture), stopwatch, attempt);
                            var result = new HttpCallResult(status, body, CollectHeaders(response));
                            reachedServer = true;
                            if (!transient(result) || attempt == _settings.MaxAttempts)
                            {
                                return result;
                            }

                            retryAfter = ParseRetryAfter(response);
                            lastFailure = "HTTP " + status;
                        }
                    }
                    catch (OperationCanceledException e) when (deadline.Expired)
                    {
                        Trace(request, "timed out", stopwatch, attempt);
                        reachedServer = true;
                        lastException = e;
                        lastFailure = deadline.Describe();
                    }
                    catch (HttpRequestException e)
                    {
                        Trace(request, "failed: " + Innermost(e).Message, stopwatch, attempt);
                        reachedServer |= !NeverConnected(e);
                        lastException = e;
                        lastFailure = Innermost(e).Message;
                    }
                    catch (IOException e)
                    {
                        // A connection reset while the response was read: the request may have arrived.
                        Trace(request, "failed: " + Innermost(e).Message, stopwatch, attempt);
                        reachedServer = true;
                        lastException = e;
                        lastFailure = Innermost(e).Message;
                    }
                }

                if (attempt < _settings.MaxAttempts)
                {
                    var delay = retryAfter ?? Backoff(attempt);
                    if (delay > _settings.MaxDelay)
                    {
                        delay = _settings.MaxDelay;
                    }

                    _log.Verbose(operation + ": " + lastFailure + "; retrying in " + delay.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture) + " s (attempt " + (attempt + 1) + " of " + _settings.MaxAttempts + ")");
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }

            var after = _settings.MaxAttempts == 1 ? string.Empty : " (after " + _settings.MaxAttempts + " attempts)";
            throw new ServiceUnreachableException(operation, endpoint, lastFailure + after, lastException, notSent: !reachedServer);
        }

        /// <summary>
        /// Sends once and returns as soon as the response headers arrive, for bodies read as they stream (logs). The
        /// per-attempt deadline covers the headers only; the caller owns and disposes the response.
        /// </summary>
        public async Task<HttpResponseMessage> SendStreamingAsync(HttpRequestMessage request, string operation, CancellationToken cancellationToken)
        {
            var endpoint = request.RequestUri!.GetLeftPart(UriPartial.Authority);
            using (var deadline = new AttemptDeadline(_settings.AttemptTimeout, cancellationToken))
            {
                var stopwatch = Stopwatch.StartNew();
                try
                {
                    var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                    Trace(request, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) + " (streaming)", stopwatch, 1);
                    return response;
                }
                catch (OperationCanceledException e) when (deadline.Expired)
                {
                    Trace(request, "timed out", stopwatch, 1);
                    throw new ServiceUnreachableException(operation, endpoint, deadline.Describe(), e);
                }
                catch (HttpRequestException e)
                {
                    Trace(request, "failed: " + Innermost(e).Message, stopwatch, 1);
                    throw new ServiceUnreachableException(operation, endpoint, Innermost(e).Message, e, notSent: NeverConnected(e));
                }
            }
        }

        private static bool IsRetryable(int status) => status == 429 || status == 500 || status == 502 || status == 503 || status == 504;

        /// <summary>The connection was never made (refused, host not found): the server cannot have seen the request.</summary>
        private static bool NeverConnected(HttpRequestException e) =>
            Innermost(e) is SocketException socket
            && (socket.SocketErrorCode == SocketError.ConnectionRefused || socket.SocketErrorCode == SocketError.HostNotFound || socket.SocketErrorCode == SocketError.NoData);

        private TimeSpan Backoff(int attempt)
        {
            double jitter;
            lock (Jitter)
            {
                jitter = 0.8 + (Jitter.NextDouble() * 0.4);
            }

            return TimeSpan.FromMilliseconds(_settings.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * jitter);
        }

        private static TimeSpan? ParseRetryAfter(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            if (header?.Delta is TimeSpan delta)
            {
                return delta;
            }

            if (header?.Date is DateTimeOffset date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }

            return null;
        }

        private static IReadOnlyDictionary<string, string> CollectHeaders(HttpResponseMessage response)
        {
            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                headers[header.Key.ToLowerInvariant()] = string.Join(",", header.Value);
            }

            return headers;
        }

        private void Trace(HttpRequestMessage request, string outcome, Stopwatch stopwatch, int attempt)
        {
            _log.Debug(Redactor.Redact(
                "HTTP " + request.Method + " " + RedactQuery(request.RequestUri!) + " -> " + outcome + " (" + stopwatch.ElapsedMilliseconds + " ms" + (attempt > 1 ? ", attempt " + attempt : string.Empty) + ")"));
        }

        private static string RedactQuery(Uri uri)
        {
            // Query strings can carry tokens (tokeninfo) or capabilities (a resumable upload's upload_id).
            return uri.Query.IndexOf("token", StringComparison.OrdinalIgnoreCase) >= 0 || uri.Query.IndexOf("upload_id", StringComparison.OrdinalIgnoreCase) >= 0
                ? uri.GetLeftPart(UriPartial.Path) + "?[redacted]"
                : uri.ToString();
        }

        private static Exception Innermost(Exception e)
        {
            while (e.InnerException != null)
            {
                e = e.InnerException;
            }

            return e;
        }
    }
}
