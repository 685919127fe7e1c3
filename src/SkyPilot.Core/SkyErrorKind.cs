namespace SkyPilot.Core
{
    /// <summary>What kind of failure a <see cref="SkyException"/> is; the cmdlet layer maps each kind to one ErrorCategory.</summary>
    public enum SkyErrorKind
    {
        /// <summary>Not one of the kinds below (NotSpecified).</summary>
        Unexpected,

        /// <summary>A value given by the user cannot be used (InvalidArgument).</summary>
        InvalidArgument,

        /// <summary>A file or setting the user maintains cannot be used (InvalidData).</summary>
        InvalidData,

        /// <summary>A file could not be parsed (ParserError).</summary>
        ParseError,

        /// <summary>What was named does not exist (ObjectNotFound).</summary>
        NotFound,

        /// <summary>The identity is not allowed to do this (PermissionDenied).</summary>
        PermissionDenied,

        /// <summary>The credential was refused or could not be obtained (AuthenticationError).</summary>
        AuthenticationFailed,

        /// <summary>A service could not be reached, or kept failing (ConnectionError).</summary>
        Unreachable,

        /// <summary>A wait ran out of time (OperationTimeout).</summary>
        Timeout,

        /// <summary>A local file could not be read (ReadError).</summary>
        ReadFailed,

        /// <summary>A write or upload failed (WriteError).</summary>
        WriteFailed,

        /// <summary>A service answered with a failure or something not understood (InvalidResult).</summary>
        BadResult,

        /// <summary>The operation cannot be done in the current state (InvalidOperation).</summary>
        InvalidOperation,

        /// <summary>The operation was sent but its outcome cannot be told (OperationStopped).</summary>
        OutcomeUnknown,
    }
}
