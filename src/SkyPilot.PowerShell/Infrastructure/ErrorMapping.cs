using System;
using System.IO;
using System.Management.Automation;
using SkyPilot.Core;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// The one mapper from an exception to an error record: a Core <see cref="SkyException"/> carries its id, kind, hint
    /// and target; anything else gets a stable id by its type.
    /// </summary>
    /// <remarks>
    /// Redaction: a record holds either our own exception (a <see cref="SkyException"/>, whose message was redacted when
    /// it was built and which has no inner exception) or a <see cref="SkyOperationException"/> made here from the redacted
    /// message alone; a foreign exception and its inner exceptions are never attached.
    /// </remarks>
    internal static class ErrorMapping
    {
        /// <summary>The record for <paramref name="exception"/>; <paramref name="target"/> is the cmdlet's, used when the exception names none.</summary>
        public static SkyErrorInfo From(Exception exception, object? target = null)
        {
            switch (exception)
            {
                case SkyException sky:
                    return new SkyErrorInfo(sky, sky.ErrorId, CategoryOf(sky.Kind), sky.Target ?? target, sky.Hint);
            }

            var safe = new SkyOperationException(exception.Message);
            switch (exception)
            {
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

        public static ErrorCategory CategoryOf(SkyErrorKind kind)
        {
            switch (kind)
            {
                case SkyErrorKind.InvalidArgument: return ErrorCategory.InvalidArgument;
                case SkyErrorKind.InvalidData: return ErrorCategory.InvalidData;
                case SkyErrorKind.ParseError: return ErrorCategory.ParserError;
                case SkyErrorKind.NotFound: return ErrorCategory.ObjectNotFound;
                case SkyErrorKind.PermissionDenied: return ErrorCategory.PermissionDenied;
                case SkyErrorKind.AuthenticationFailed: return ErrorCategory.AuthenticationError;
                case SkyErrorKind.Unreachable: return ErrorCategory.ConnectionError;
                case SkyErrorKind.Timeout: return ErrorCategory.OperationTimeout;
                case SkyErrorKind.ReadFailed: return ErrorCategory.ReadError;
                case SkyErrorKind.WriteFailed: return ErrorCategory.WriteError;
                case SkyErrorKind.BadResult: return ErrorCategory.InvalidResult;
                case SkyErrorKind.InvalidOperation: return ErrorCategory.InvalidOperation;
                case SkyErrorKind.OutcomeUnknown: return ErrorCategory.OperationStopped;
                default: return ErrorCategory.NotSpecified;
            }
        }
    }
}
