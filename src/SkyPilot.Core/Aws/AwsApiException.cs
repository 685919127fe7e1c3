using System;

namespace SkyPilot.Core.Aws
{
    /// <summary>An AWS API call answered with an error (<c>&lt;Error&gt;&lt;Code&gt;</c>), e.g. AccessDenied or UnauthorizedOperation.</summary>
    public sealed class AwsApiException : SkyException
    {
        public AwsApiException(string operation, int statusCode, string code, string message)
            : base(operation + " failed: " + code + " (HTTP " + statusCode + ")" + (message.Length == 0 ? string.Empty : ": " + message))
        {
            Operation = operation;
            StatusCode = statusCode;
            Code = code;
            ErrorMessage = message;
        }

        /// <summary>The API action, e.g. <c>ec2:RunInstances</c>.</summary>
        public string Operation { get; }

        public int StatusCode { get; }

        public string Code { get; }

        public string ErrorMessage { get; }

        public override string ErrorId => IsAccessDenied ? "PermissionDenied" : IsExpired || IsInvalidKey ? "AuthenticationFailed" : StatusCode == 404 ? "NotFound" : "ApiError";

        public override SkyErrorKind Kind => IsAccessDenied ? SkyErrorKind.PermissionDenied : IsExpired || IsInvalidKey ? SkyErrorKind.AuthenticationFailed : StatusCode == 404 ? SkyErrorKind.NotFound : SkyErrorKind.BadResult;

        public bool IsAccessDenied => Code == "AccessDenied" || Code == "UnauthorizedOperation" || Code == "AccessDeniedException" || Code == "UnauthorizedAccess";

        public bool IsExpired => Code == "ExpiredToken" || Code == "ExpiredTokenException" || Code == "RequestExpired" || Code == "TokenRefreshRequired";

        public bool IsInvalidKey => Code == "InvalidClientTokenId" || Code == "AuthFailure" || Code == "InvalidAccessKeyId" || Code == "SignatureDoesNotMatch" || Code == "UnrecognizedClientException" || Code == "InvalidToken";
    }

    /// <summary>Credentials could not be obtained from their source (an expired SSO login, a failing credential_process).</summary>
    public sealed class AwsCredentialException : SkyException
    {
        public AwsCredentialException(Checks.CheckStatus status, string message, string hint, Exception? inner = null)
            : base(message, inner)
        {
            Status = status;
            Hint = hint;
        }

        public Checks.CheckStatus Status { get; }

        public override string Hint { get; }

        public override string ErrorId => IdOf(Status);

        public override SkyErrorKind Kind => KindOf(Status);
    }
}
