using System;

namespace SkyPilot.Core.Http
{
    /// <summary>An API could not be reached, or kept failing, after every retry.</summary>
    public sealed class ServiceUnreachableException : SkyException
    {
        public ServiceUnreachableException(string operation, string endpoint, string detail, Exception? inner = null, bool notSent = false)
            : base(operation + " at " + endpoint + " failed: " + detail, inner)
        {
            Operation = operation;
            Endpoint = Redactor.Redact(endpoint);
            Detail = Redactor.Redact(detail);
            NotSent = notSent;
        }

        /// <summary>
        /// True when no attempt reached the server (the connection was refused or the host not found), so the request
        /// certainly had no effect; false when a request may have arrived and only its answer was lost.
        /// </summary>
        public bool NotSent { get; }

        public string Operation { get; }

        public string Endpoint { get; }

        public string Detail { get; }

        public override string ErrorId => "ServiceUnreachable";

        public override SkyErrorKind Kind => SkyErrorKind.Unreachable;

        public override string Hint => "Check the network connection and the endpoint, then retry.";
    }
}
