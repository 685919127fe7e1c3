using System;
using Grpc.Core;

namespace SkyPilot.Core.Grpc
{
    /// <summary>The netstandard2.0 build's caller: gRPC needs HTTP/2 trailers, which .NET Framework's HttpClient lacks.</summary>
    internal sealed class UnsupportedGrpcCaller : IGrpcCaller
    {
        public bool IsSupported => false;

        public CallInvoker Invoker(Uri address, TimeSpan attemptTimeout) => new UnsupportedCallInvoker();

        /// <summary>Fails every call before anything is sent.</summary>
        private sealed class UnsupportedCallInvoker : CallInvoker
        {
            public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw Unsupported();

            public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw Unsupported();

            public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw Unsupported();

            public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw Unsupported();

            public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw Unsupported();

            private static PlatformNotSupportedException Unsupported() =>
                new PlatformNotSupportedException("gRPC calls need PowerShell 7 (.NET 8 or later); this is the .NET Framework build.");
        }
    }
}
