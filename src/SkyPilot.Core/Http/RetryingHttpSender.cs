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
    /// The one transport policy: a timeout per attempt (<see cref="AttemptDeadline"/>), retries of transport failures,
    /// timeouts, 429 and 5xx with the backoff and <c>Retry-After</c> of <see cref="RetryPolicy"/>, and one redacted
    /// trace line per attempt. Libraries that bring their own HttpClient get the same policy through
    /// <see cref="RetryPolicyHandler"/>.
    /// </summary>
    public sealed class RetryingHttpSender
    {
        private readonly HttpClient? _http;
        private readonly Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> _transport;
        private readonly HttpSettings _settings;
        private readonly RetryPolicy _policy;
        private readonly ISkyLog _log;

        public RetryingHttpSender(HttpClient http, HttpSettings settings, ISkyLog log)
            : this((request, token) => http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token), settings, log)
        {
            _http = http;
        }

        /// <summary>Runs the policy over <paramref name="transport"/> (a handler's inner handler) instead of an HttpClient.</summary>
        internal RetryingHttpSender(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> transport, HttpSettings settings, ISkyLog log)
        {
            _transport = transport;
            _settings = settings;
            _policy = new RetryPolicy(settings);
            _log = log;
        }

        public RetryPolicy Policy => _policy;

        /// <summary>
        /// Sends the request built by <paramref name="createRequest"/> (called once per attempt) and reads the body.
        /// Returns the last response even when it is a 429/5xx; throws <see cref="ServiceUnreachableException"/>
        /// when no attempt got a response. <paramref name="isTransient"/> overrides which responses are retried (default:
        /// <see cref="RetryPolicy.IsTransient"/>), for APIs whose 500 carries a definitive answer.
        /// </summary>
        public async Task<HttpCallResult> SendAsync(Func<HttpRequestMessage> createRequest, string operation, CancellationToken cancellationToken, Func<HttpCallResult, bool>? isTransient = null)
        {
            var (response, result) = await RunAsync(createRequest, ownsRequests: true, operation, cancellationToken, isTransient).ConfigureAwait(false);
            response.Dispose();
            return result;
        }

        /// <summary>
        /// The attempt loop. Returns the last response (its content buffered) with its result; the caller owns the
        /// response. When <paramref name="ownsRequests"/> is false the same request may be sent again and is not disposed.
        /// </summary>
        internal async Task<(HttpResponseMessage Response, HttpCallResult Result)> RunAsync(
            Func<HttpRequestMessage> createRequest, bool ownsRequests, string operation, CancellationToken cancellationToken, Func<HttpCallResult, bool>? isTransient)
        {
            string lastFailure = "no attempt was made";
            Exception? lastException = null;
            var reachedServer = false;
            var transient = isTransient ?? new Func<HttpCallResult, bool>(r => RetryPolicy.IsTransient(r.StatusCode));
            string endpoint = string.Empty;
            for (var attempt = 1; attempt <= _settings.MaxAttempts; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan? retryAfter = null;
                var request = createRequest();
                try
                {
                    using (var deadline = new AttemptDeadline(_settings.AttemptTimeout, cancellationToken))
                    {
                        endpoint = request.RequestUri!.GetLeftPart(UriPartial.Authority);
                        var stopwatch = Stopwatch.StartNew();
                        try
                        {
                            var response = await _transport(request, deadline.Token).ConfigureAwait(false);
                            HttpCallResult result;
                            try
                            {
                                await BufferAsync(response, deadline.Token).ConfigureAwait(false);
                                var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                                var status = (int)response.StatusCode;
                                Trace(request, status.ToString(CultureInfo.InvariantCulture), stopwatch, attempt);
                                result = new HttpCallResult(status, body, CollectHeaders(response));
                            }
                            catch
                            {
                                response.Dispose();
                                throw;
                            }

                            reachedServer = true;
                            if (!transient(result) || attempt == _settings.MaxAttempts)
                            {
                                return (response, result);
                            }

                            response.Dispose();
                            retryAfter = RetryPolicy.RetryAfter(result);
                            lastFailure = "HTTP " + result.StatusCode;
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
                }
                finally
                {
                    if (ownsRequests)
                    {
                        request.Dispose();
                    }
                }

                if (attempt < _settings.MaxAttempts)
                {
                    var delay = _policy.Delay(attempt, retryAfter);
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
            var http = _http ?? throw new InvalidOperationException("streaming needs the sender's own HttpClient");
            var endpoint = request.RequestUri!.GetLeftPart(UriPartial.Authority);
            using (var deadline = new AttemptDeadline(_settings.AttemptTimeout, cancellationToken))
            {
                var stopwatch = Stopwatch.StartNew();
                try
                {
                    var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
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

        /// <summary>The connection was never made (refused, host not found): the server cannot have seen the request.</summary>
        private static bool NeverConnected(HttpRequestException e) =>
            Innermost(e) is SocketException socket
            && (socket.SocketErrorCode == SocketError.ConnectionRefused || socket.SocketErrorCode == SocketError.HostNotFound || socket.SocketErrorCode == SocketError.NoData);

        /// <summary>
        /// Reads the body within the attempt's deadline. An HttpClient has already buffered it; a handler's inner
        /// handler has not, and netstandard2.0 has no cancellable buffering, so the deadline disposes the response.
        /// </summary>
        private static async Task BufferAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            using (cancellationToken.Register(response.Dispose))
            {
                try
                {
                    await response.Content.LoadIntoBufferAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (HttpRequestException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
            }
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
