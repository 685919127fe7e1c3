using System;

namespace SkyPilot.Core.Api
{
    public enum SkyApiFailure
    {
        /// <summary>No connection could be made, or it kept failing.</summary>
        Unreachable,

        /// <summary>The server wants credentials (401, or health says needs_auth).</summary>
        NeedsAuth,

        /// <summary>The server and this client speak incompatible API versions.</summary>
        VersionMismatch,

        /// <summary>The request ran and failed on the server (its error type and message are in the message).</summary>
        RequestFailed,

        /// <summary>The server answered something this client does not understand.</summary>
        BadResponse,

        /// <summary>The launch was sent, but whether the server accepted it cannot be told.</summary>
        LaunchOutcomeUnknown,

        /// <summary>The server rejected the request itself (HTTP 4xx with its own JSON answer): it had no effect.</summary>
        Rejected,

        /// <summary>The job (or request) named does not exist on the server.</summary>
        NotFound,
    }

    /// <summary>A failure talking to the SkyPilot API server, with what kind it is and what to do about it.</summary>
    public sealed class SkyApiException : SkyException
    {
        public SkyApiException(SkyApiFailure failure, string message, string hint, string? errorType = null, Exception? inner = null, int? httpStatus = null, string? requestId = null)
            : base(message, inner)
        {
            Failure = failure;
            Hint = hint;
            ErrorType = errorType;
            HttpStatus = httpStatus;
            RequestId = requestId;
        }

        public SkyApiFailure Failure { get; }

        public override string Hint { get; }

        public override string ErrorId
        {
            get
            {
                switch (Failure)
                {
                    case SkyApiFailure.Unreachable: return "ApiServerUnreachable";
                    case SkyApiFailure.NeedsAuth: return "ApiServerNeedsAuth";
                    case SkyApiFailure.VersionMismatch: return "ApiVersionMismatch";
                    case SkyApiFailure.RequestFailed: return "RequestFailed";
                    case SkyApiFailure.LaunchOutcomeUnknown: return "LaunchOutcomeUnknown";
                    case SkyApiFailure.Rejected: return "ApiRequestRejected";
                    case SkyApiFailure.NotFound: return "JobNotFound";
                    default: return "ApiServerBadResponse";
                }
            }
        }

        public override SkyErrorKind Kind
        {
            get
            {
                switch (Failure)
                {
                    case SkyApiFailure.Unreachable: return SkyErrorKind.Unreachable;
                    case SkyApiFailure.NeedsAuth: return SkyErrorKind.AuthenticationFailed;
                    case SkyApiFailure.VersionMismatch: return SkyErrorKind.InvalidOperation;
                    case SkyApiFailure.LaunchOutcomeUnknown: return SkyErrorKind.OutcomeUnknown;
                    case SkyApiFailure.Rejected: return SkyErrorKind.InvalidArgument;
                    case SkyApiFailure.NotFound: return SkyErrorKind.NotFound;
                    default: return SkyErrorKind.BadResult;
                }
            }
        }

        /// <summary>The server's <c>error.type</c> for failed requests (e.g. <c>ClusterNotUpError</c>).</summary>
        public string? ErrorType { get; }

        /// <summary>The HTTP status of the answer that caused this, when there was one.</summary>
        public int? HttpStatus { get; }

        /// <summary>The server-side request this concerns, when known.</summary>
        public string? RequestId { get; }
    }
}
