using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SkyPilot.Core.Grpc
{
    /// <summary>
    /// Gives each unary call its per-attempt deadline, turns its non-OK statuses into <see cref="GrpcCallException"/>
    /// (the one failure type the Nebius checks classify) and a cancelled token into <see cref="OperationCanceledException"/>,
    /// and traces method, status and time (never metadata).
    /// </summary>
    internal sealed class GrpcOutcomeInterceptor : Interceptor
    {
        private readonly Uri _address;
        private readonly TimeSpan _attemptTimeout;
        private readonly ISkyLog _log;

        public GrpcOutcomeInterceptor(Uri address, TimeSpan attemptTimeout, ISkyLog log)
        {
            _address = address;
            _attemptTimeout = attemptTimeout;
            _log = log;
        }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            var started = DateTime.UtcNow;
            var options = context.Options.WithDeadline(started + _attemptTimeout);
            var call = continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options));
            var method = context.Method.FullName.TrimStart('/');
            return new AsyncUnaryCall<TResponse>(
                ClassifyAsync(call.ResponseAsync, method, started, options.CancellationToken),
                call.ResponseHeadersAsync,
                call.GetStatus,
                call.GetTrailers,
                call.Dispose);
        }

        private async Task<TResponse> ClassifyAsync<TResponse>(Task<TResponse> response, string method, DateTime started, CancellationToken cancellationToken)
        {
            try
            {
                var result = await response.ConfigureAwait(false);
                Trace(method, GrpcStatusCode.OK, started);
                return result;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException e)
            {
                var status = (GrpcStatusCode)(int)e.StatusCode;
                Trace(method, status, started);
                var detail = status == GrpcStatusCode.DeadlineExceeded
                    ? "no answer within " + _attemptTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s"
                    : e.Status.Detail;
                throw new GrpcCallException(method, status, detail, e);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new GrpcCallException(method, GrpcStatusCode.Internal, "the response message could not be parsed: " + e.Message, e);
            }
        }

        private void Trace(string method, GrpcStatusCode status, DateTime started) =>
            _log.Debug("gRPC " + new Uri(_address, method) + " -> " + GrpcCallException.StatusName(status) + " (" + (long)(DateTime.UtcNow - started).TotalMilliseconds + " ms)");
    }
}
