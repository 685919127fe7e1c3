#if NET8_0_OR_GREATER
using System;
using System.Collections.Concurrent;
using System.Net.Http;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace SkyPilot.Core.Grpc
{
    /// <summary>
    /// Grpc.Net.Client channels, one per endpoint for the process (HTTP/2: TLS with ALPN for https endpoints, h2c for
    /// http ones), with no retries of their own; <see cref="GrpcOutcomeInterceptor"/> adds the deadline and the classification.
    /// </summary>
    internal sealed class GrpcNetCaller : IGrpcCaller
    {
        private static readonly ConcurrentDictionary<Uri, GrpcChannel> Channels = new ConcurrentDictionary<Uri, GrpcChannel>();

        private readonly ISkyLog _log;

        public GrpcNetCaller(ISkyLog log) => _log = log;

        public bool IsSupported => true;

        public CallInvoker Invoker(Uri address, TimeSpan attemptTimeout) =>
            Channels.GetOrAdd(address, a => GrpcChannel.ForAddress(a, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) },
                MaxRetryAttempts = 0,
            })).CreateCallInvoker().Intercept(new GrpcOutcomeInterceptor(address, attemptTimeout, _log));
    }
}
#endif
