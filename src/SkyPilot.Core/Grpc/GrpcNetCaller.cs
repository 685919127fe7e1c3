#if NET8_0_OR_GREATER
using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace SkyPilot.Core.Grpc
{
    /// <summary>
    /// Unary calls through Grpc.Net.Client (HTTP/2: TLS with ALPN for https endpoints, h2c for http ones). Its statuses
    /// become <see cref="GrpcCallException"/>, the one failure type the Nebius checks classify.
    /// </summary>
    internal sealed class GrpcNetCaller : IGrpcUnaryCaller
    {
        private static readonly ConcurrentDictionary<Uri, GrpcChannel> Channels = new ConcurrentDictionary<Uri, GrpcChannel>();
        private static readonly Marshaller<IMessage> RequestMarshaller = Marshallers.Create<IMessage>(m => m.ToByteArray(), _ => throw new NotSupportedException());

        private readonly ISkyLog _log;

        public GrpcNetCaller(ISkyLog log) => _log = log;

        public bool IsSupported => true;

        public async Task<TResponse> CallAsync<TResponse>(Uri address, string method, IMessage request, MessageParser<TResponse> parser, string? bearerToken, TimeSpan timeout, CancellationToken cancellationToken)
            where TResponse : class, IMessage<TResponse>
        {
            var slash = method.LastIndexOf('/');
            var descriptor = new Method<IMessage, TResponse>(MethodType.Unary, method.Substring(0, slash), method.Substring(slash + 1), RequestMarshaller, Marshallers.Create<TResponse>(r => r.ToByteArray(), parser.ParseFrom));
            var headers = new Metadata();
            if (bearerToken != null)
            {
                headers.Add("authorization", "Bearer " + bearerToken);
            }

            var invoker = Channels.GetOrAdd(address, a => GrpcChannel.ForAddress(a, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) },
                MaxRetryAttempts = 0,
            })).CreateCallInvoker();
            var started = DateTime.UtcNow;
            var options = new CallOptions(headers, DateTime.UtcNow + timeout, cancellationToken);
            try
            {
                var response = await invoker.AsyncUnaryCall(descriptor, null, options, request).ResponseAsync.ConfigureAwait(false);
                Trace(method, address, GrpcStatusCode.OK, started);
                return response;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException e)
            {
                var status = (GrpcStatusCode)(int)e.StatusCode;
                Trace(method, address, status, started);
                var detail = status == GrpcStatusCode.DeadlineExceeded
                    ? "no answer within " + timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s"
                    : e.Status.Detail;
                throw new GrpcCallException(method, status, detail, e);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new GrpcCallException(method, GrpcStatusCode.Internal, "the response message could not be parsed: " + e.Message, e);
            }
        }

        private void Trace(string method, Uri address, GrpcStatusCode status, DateTime started) =>
            _log.Debug("gRPC " + new Uri(address, method) + " -> " + GrpcCallException.StatusName(status) + " (" + (long)(DateTime.UtcNow - started).TotalMilliseconds + " ms)");
    }
}
#endif
