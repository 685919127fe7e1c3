using System;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;

namespace SkyPilot.Core.Grpc
{
    /// <summary>
    /// One unary gRPC call: Grpc.Net.Client on .NET 8+ (GrpcNetCaller), unsupported on .NET Framework.
    /// </summary>
    public interface IGrpcUnaryCaller
    {
        /// <summary>False where the runtime cannot speak HTTP/2 with trailers (Windows PowerShell 5.1).</summary>
        bool IsSupported { get; }

        /// <exception cref="GrpcCallException">Any non-OK outcome, including deadline and transport failures.</exception>
        Task<TResponse> CallAsync<TResponse>(Uri address, string method, IMessage request, MessageParser<TResponse> parser, string? bearerToken, TimeSpan timeout, CancellationToken cancellationToken)
            where TResponse : class, IMessage<TResponse>;
    }
}
