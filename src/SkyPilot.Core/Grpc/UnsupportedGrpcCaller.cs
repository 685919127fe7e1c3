using System;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;

namespace SkyPilot.Core.Grpc
{
    /// <summary>The netstandard2.0 build's caller: gRPC needs HTTP/2 trailers, which .NET Framework's HttpClient lacks.</summary>
    internal sealed class UnsupportedGrpcCaller : IGrpcUnaryCaller
    {
        public bool IsSupported => false;

        public Task<TResponse> CallAsync<TResponse>(Uri address, string method, IMessage request, MessageParser<TResponse> parser, string? bearerToken, TimeSpan timeout, CancellationToken cancellationToken)
            where TResponse : class, IMessage<TResponse>
        {
            throw new PlatformNotSupportedException("gRPC calls need PowerShell 7 (.NET 8 or later); this is the .NET Framework build.");
        }
    }
}
