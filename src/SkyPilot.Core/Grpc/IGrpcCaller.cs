using System;
using Grpc.Core;

namespace SkyPilot.Core.Grpc
{
    /// <summary>
    /// Where the generated gRPC clients send their calls: Grpc.Net.Client on .NET 8+ (<c>GrpcNetCaller</c>),
    /// nothing on .NET Framework (<see cref="UnsupportedGrpcCaller"/>).
    /// </summary>
    public interface IGrpcCaller
    {
        /// <summary>False where the runtime cannot speak HTTP/2 with trailers (Windows PowerShell 5.1).</summary>
        bool IsSupported { get; }

        /// <summary>
        /// The invoker for one endpoint. Each unary call on it gets <paramref name="attemptTimeout"/> as its deadline and
        /// ends in its response or a <see cref="GrpcCallException"/> (an <see cref="OperationCanceledException"/> when
        /// its token was cancelled).
        /// </summary>
        CallInvoker Invoker(Uri address, TimeSpan attemptTimeout);
    }
}
