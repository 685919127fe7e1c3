using System;
using System.IO;
using System.Management.Automation;
using SkyPilot.Core.Config;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>Turns an exception that escaped a cmdlet's logic into an error record with a stable id and category.</summary>
    internal static class ErrorMapping
    {
        public static SkyErrorInfo From(Exception exception, object? target = null)
        {
            // The original exception is not attached: its message and inner exceptions may hold what was redacted here.
            var safe = new SkyOperationException(Redactor.Redact(exception.Message));
            switch (exception)
            {
                case SkyOperationException known:
                    return new SkyErrorInfo(known, known.ErrorId, known.Category, target ?? known.Target, known.RecommendedAction);
                case SkyConfigException config:
                    return new SkyErrorInfo(safe, "InvalidConfiguration", ErrorCategory.InvalidData, config.Path, config.Hint);
                case ServiceUnreachableException _:
                    return new SkyErrorInfo(safe, "ServiceUnreachable", ErrorCategory.ConnectionError, target, "Check the network connection and the endpoint, then retry.");
                case GoogleApiException api when api.Error.StatusCode == 401:
                    return new SkyErrorInfo(safe, "AuthenticationFailed", ErrorCategory.AuthenticationError, target, "Run 'gcloud auth application-default login', or check the key file.");
                case GoogleApiException api when api.Error.StatusCode == 403:
                    return new SkyErrorInfo(safe, "PermissionDenied", ErrorCategory.PermissionDenied, target, null);
                case GoogleApiException api when api.Error.StatusCode == 404:
                    return new SkyErrorInfo(safe, "NotFound", ErrorCategory.ObjectNotFound, target, null);
                case GoogleApiException _:
                    return new SkyErrorInfo(safe, "ApiError", ErrorCategory.InvalidResult, target, null);
                case InvalidSettingException setting:
                    return new SkyErrorInfo(safe, "InvalidArgument", ErrorCategory.InvalidArgument, Redactor.Redact(setting.Value), setting.Hint);
                case ArgumentException _:
                    return new SkyErrorInfo(safe, "InvalidArgument", ErrorCategory.InvalidArgument, target, null);
                case UnauthorizedAccessException _:
                    return new SkyErrorInfo(safe, "AccessDenied", ErrorCategory.PermissionDenied, target, "Check the file's permissions.");
                case IOException _:
                    return new SkyErrorInfo(safe, "FileError", ErrorCategory.ReadError, target, null);
                default:
                    return new SkyErrorInfo(safe, "UnexpectedError", ErrorCategory.NotSpecified, target, null);
            }
        }
    }
}
