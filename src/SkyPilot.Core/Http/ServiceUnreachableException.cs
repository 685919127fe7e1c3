using System;

namespace SkyPilot.Core.Http
{
    /// <summary>An API could not be reached, or kept failing, after every retry.</summary>
    public sealed class ServiceUnreachableException : Exception
    {
        public ServiceUnreachableException(string operation, string endpoint, string detail, Exception? inner = null)
            : base(operation + " at " + endpoint + " failed: " + detail, inner)
        {
            Operation = operation;
            Endpoint = endpoint;
            Detail = detail;
        }

        public string Operation { get; }

        public string Endpoint { get; }

        public string Detail { get; }
    }
}
