#if NET8_0_OR_GREATER
using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;

namespace SkyPilot.Core.Grpc
{
    /// <summary>
    /// A unary gRPC caller on HttpClient over HTTP/2: TLS with ALPN for https endpoints, cleartext h2c for http ones.
    /// One length-prefixed frame out, one in; the status comes from the trailers, or from the headers of a
    /// trailers-only response.
    /// </summary>
    internal sealed class HttpGrpcCaller : IGrpcUnaryCaller
    {
        private static readonly Lazy<HttpClient> SharedClient = new Lazy<HttpClient>(() => new HttpClient(new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        });

        private readonly HttpClient _http;
        private readonly ISkyLog _log;

        public HttpGrpcCaller(ISkyLog log, HttpClient? http = null)
        {
            _log = log;
            _http = http ?? SharedClient.Value;
        }

        public bool IsSupported => true;

        public async Task<TResponse> CallAsync<TResponse>(Uri address, string method, IMessage request, MessageParser<TResponse> parser, string? bearerToken, TimeSpan timeout, CancellationToken cancellationToken)
            where TResponse : IMessage<TResponse>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var started = DateTime.UtcNow;
            using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(address, method))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(Frame(request)),
            };
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            message.Headers.TryAddWithoutValidation("te", "trailers");
            message.Headers.TryAddWithoutValidation("grpc-timeout", Math.Max(1, (long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "m");
            if (bearerToken != null)
            {
                message.Headers.TryAddWithoutValidation("authorization", "Bearer " + bearerToken);
            }

            try
            {
                using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new GrpcCallException(method, StatusFromHttp(response.StatusCode), "HTTP " + (int)response.StatusCode);
                }

                // Trailers-only: the status is in the headers and there is no body.
                var headerStatus = ReadStatus(response.Headers);
                var body = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
                var status = headerStatus ?? ReadStatus(response.TrailingHeaders);
                Trace(method, address, status?.Code ?? GrpcStatusCode.Unknown, started);
                if (status is null)
                {
                    throw new GrpcCallException(method, GrpcStatusCode.Internal, "the response carried no grpc-status");
                }

                if (status.Value.Code != GrpcStatusCode.OK)
                {
                    throw new GrpcCallException(method, status.Value.Code, status.Value.Message);
                }

                return parser.ParseFrom(Unframe(body, method));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException e)
            {
                Trace(method, address, GrpcStatusCode.DeadlineExceeded, started);
                throw new GrpcCallException(method, GrpcStatusCode.DeadlineExceeded, "no answer within " + timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s", e);
            }
            catch (HttpRequestException e)
            {
                Trace(method, address, GrpcStatusCode.Unavailable, started);
                throw new GrpcCallException(method, GrpcStatusCode.Unavailable, e.GetBaseException().Message, e);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new GrpcCallException(method, GrpcStatusCode.Internal, "the response message could not be parsed: " + e.Message, e);
            }
        }

        private static byte[] Frame(IMessage request)
        {
            var payload = request.ToByteArray();
            var frame = new byte[5 + payload.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
            payload.CopyTo(frame, 5);
            return frame;
        }

        private static byte[] Unframe(byte[] body, string method)
        {
            if (body.Length < 5)
            {
                throw new GrpcCallException(method, GrpcStatusCode.Internal, "the response had no message frame");
            }

            if (body[0] != 0)
            {
                throw new GrpcCallException(method, GrpcStatusCode.Internal, "the response is compressed, which this client does not request or support");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1));
            if (length > body.Length - 5)
            {
                throw new GrpcCallException(method, GrpcStatusCode.Internal, "the response frame is truncated");
            }

            return body.AsSpan(5, (int)length).ToArray();
        }

        private static (GrpcStatusCode Code, string Message)? ReadStatus(HttpHeaders headers)
        {
            if (!headers.TryGetValues("grpc-status", out var values))
            {
                return null;
            }

            var code = int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? (GrpcStatusCode)parsed : GrpcStatusCode.Unknown;
            var message = headers.TryGetValues("grpc-message", out var messages) ? Uri.UnescapeDataString(messages.FirstOrDefault() ?? string.Empty) : string.Empty;
            return (code, message);
        }

        /// <summary>gRPC's mapping for responses that are not gRPC at all (a proxy's error page, say).</summary>
        private static GrpcStatusCode StatusFromHttp(HttpStatusCode status) => (int)status switch
        {
            400 => GrpcStatusCode.Internal,
            401 => GrpcStatusCode.Unauthenticated,
            403 => GrpcStatusCode.PermissionDenied,
            404 => GrpcStatusCode.Unimplemented,
            429 or 502 or 503 or 504 => GrpcStatusCode.Unavailable,
            _ => GrpcStatusCode.Unknown,
        };

        private void Trace(string method, Uri address, GrpcStatusCode status, DateTime started)
        {
            _log.Debug("gRPC " + new Uri(address, method) + " -> " + GrpcCallException.StatusName(status) + " (" + (long)(DateTime.UtcNow - started).TotalMilliseconds + " ms)");
        }
    }
}
#endif
