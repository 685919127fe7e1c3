using System;
using SkyPilot.Core.Http;

namespace SkyPilot.Core
{
    /// <summary>
    /// Base of every failure Core reports to a user: a stable error id, its kind, the recommended action and the target.
    /// </summary>
    /// <remarks>
    /// The one redaction rule for errors: what a user can reach from an error is our own exception, whose message passed
    /// the <see cref="Redactor"/> here, and no inner exception (the cause's text, from a library or a server, may hold a
    /// credential). The cause stays reachable for Core's own classification through <see cref="Cause"/>, which is internal.
    /// </remarks>
    public abstract class SkyException : Exception
    {
        protected SkyException(string message, Exception? cause = null)
            : base(Redactor.Redact(message))
        {
            Cause = cause;
        }

        /// <summary>The stable reason, the first part of the error record's FullyQualifiedErrorId (e.g. <c>StagingFailed</c>).</summary>
        public abstract string ErrorId { get; }

        public abstract SkyErrorKind Kind { get; }

        /// <summary>The recommended action, when there is one.</summary>
        public virtual string? Hint => null;

        /// <summary>What the failure concerns (a file, a job), when the exception knows better than the caller.</summary>
        public virtual object? Target => null;

        /// <summary>What caused this failure; never shown to the user.</summary>
        internal Exception? Cause { get; }

        /// <summary>The error id for a failure described by a check status (a credential that could not be used).</summary>
        protected static string IdOf(Checks.CheckStatus status)
        {
            switch (status)
            {
                case Checks.CheckStatus.Unreachable: return "ServiceUnreachable";
                case Checks.CheckStatus.ConfigurationError: return "InvalidConfiguration";
                case Checks.CheckStatus.NoCredentials: return "NoCredentials";
                default: return "AuthenticationFailed";
            }
        }

        /// <summary>The kind for a failure described by a check status.</summary>
        protected static SkyErrorKind KindOf(Checks.CheckStatus status)
        {
            switch (status)
            {
                case Checks.CheckStatus.Unreachable: return SkyErrorKind.Unreachable;
                case Checks.CheckStatus.ConfigurationError: return SkyErrorKind.InvalidData;
                case Checks.CheckStatus.MissingPermissions: return SkyErrorKind.PermissionDenied;
                default: return SkyErrorKind.AuthenticationFailed;
            }
        }

        /// <summary>The exception and its causes, innermost last, through both inner exceptions and <see cref="Cause"/>.</summary>
        internal static System.Collections.Generic.IEnumerable<Exception> Chain(Exception? exception)
        {
            for (var e = exception; e != null; e = e is SkyException sky ? sky.Cause : e.InnerException)
            {
                yield return e;
            }
        }
    }
}
