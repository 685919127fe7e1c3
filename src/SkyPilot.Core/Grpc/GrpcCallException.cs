using System;

namespace SkyPilot.Core.Grpc
{
    /// <summary>A gRPC call ended with a non-OK status (from the server, or locally for deadlines and transport failures).</summary>
    public sealed class GrpcCallException : SkyException
    {
        public GrpcCallException(string method, GrpcStatusCode status, string detail, Exception? inner = null)
            : base(method + " failed: " + StatusName(status) + (detail.Length == 0 ? string.Empty : ": " + detail), inner)
        {
            Method = method;
            Status = status;
            Detail = detail;
        }

        public string Method { get; }

        public GrpcStatusCode Status { get; }

        /// <summary>The server's <c>grpc-message</c>, or what went wrong locally.</summary>
        public string Detail { get; }

        public override string ErrorId
        {
            get
            {
                switch (Status)
                {
                    case GrpcStatusCode.Unauthenticated: return "AuthenticationFailed";
                    case GrpcStatusCode.PermissionDenied: return "PermissionDenied";
                    case GrpcStatusCode.NotFound: return "NotFound";
                    case GrpcStatusCode.Unavailable:
                    case GrpcStatusCode.DeadlineExceeded: return "ServiceUnreachable";
                    default: return "ApiError";
                }
            }
        }

        public override SkyErrorKind Kind
        {
            get
            {
                switch (Status)
                {
                    case GrpcStatusCode.Unauthenticated: return SkyErrorKind.AuthenticationFailed;
                    case GrpcStatusCode.PermissionDenied: return SkyErrorKind.PermissionDenied;
                    case GrpcStatusCode.NotFound: return SkyErrorKind.NotFound;
                    case GrpcStatusCode.Unavailable:
                    case GrpcStatusCode.DeadlineExceeded: return SkyErrorKind.Unreachable;
                    default: return SkyErrorKind.BadResult;
                }
            }
        }

        /// <summary>The canonical upper-case name, e.g. <c>UNAUTHENTICATED</c>.</summary>
        public static string StatusName(GrpcStatusCode status)
        {
            switch (status)
            {
                case GrpcStatusCode.InvalidArgument: return "INVALID_ARGUMENT";
                case GrpcStatusCode.DeadlineExceeded: return "DEADLINE_EXCEEDED";
                case GrpcStatusCode.NotFound: return "NOT_FOUND";
                case GrpcStatusCode.AlreadyExists: return "ALREADY_EXISTS";
                case GrpcStatusCode.PermissionDenied: return "PERMISSION_DENIED";
                case GrpcStatusCode.ResourceExhausted: return "RESOURCE_EXHAUSTED";
                case GrpcStatusCode.FailedPrecondition: return "FAILED_PRECONDITION";
                case GrpcStatusCode.OutOfRange: return "OUT_OF_RANGE";
                case GrpcStatusCode.DataLoss: return "DATA_LOSS";
                default: return status.ToString().ToUpperInvariant();
            }
        }
    }
}
