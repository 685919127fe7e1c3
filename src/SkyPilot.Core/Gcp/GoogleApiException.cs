using System;

namespace SkyPilot.Core.Gcp
{
    /// <summary>A Google API answered with an error status.</summary>
    public sealed class GoogleApiException : SkyException
    {
        public GoogleApiException(string operation, GoogleApiError error)
            : base(operation + " failed: HTTP " + error.StatusCode + (error.Status is null ? string.Empty : " " + error.Status) + ": " + error.Message)
        {
            Operation = operation;
            Error = error;
        }

        public string Operation { get; }

        public GoogleApiError Error { get; }

        public override string ErrorId => Error.StatusCode == 401 ? "AuthenticationFailed" : Error.StatusCode == 403 ? "PermissionDenied" : Error.StatusCode == 404 ? "NotFound" : "ApiError";

        public override SkyErrorKind Kind => Error.StatusCode == 401 ? SkyErrorKind.AuthenticationFailed : Error.StatusCode == 403 ? SkyErrorKind.PermissionDenied : Error.StatusCode == 404 ? SkyErrorKind.NotFound : SkyErrorKind.BadResult;

        public override string? Hint => Error.StatusCode == 401 ? "Run 'gcloud auth application-default login', or check the key file." : null;
    }
}
