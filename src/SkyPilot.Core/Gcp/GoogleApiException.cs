using System;

namespace SkyPilot.Core.Gcp
{
    /// <summary>A Google API answered with an error status.</summary>
    public sealed class GoogleApiException : Exception
    {
        public GoogleApiException(string operation, GoogleApiError error)
            : base(operation + " failed: HTTP " + error.StatusCode + (error.Status is null ? string.Empty : " " + error.Status) + ": " + error.Message)
        {
            Operation = operation;
            Error = error;
        }

        public string Operation { get; }

        public GoogleApiError Error { get; }
    }
}
