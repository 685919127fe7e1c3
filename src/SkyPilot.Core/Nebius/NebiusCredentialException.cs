using System;

namespace SkyPilot.Core.Nebius
{
    /// <summary>Which validation step a candidate credential failed.</summary>
    public enum NebiusValidationStep
    {
        Format,
        Tenant,
        Api,
        Cli,
        Write,
    }

    /// <summary>A credential update that was refused, with the step that refused it and the fix. Nothing was written.</summary>
    public sealed class NebiusCredentialException : Exception
    {
        public NebiusCredentialException(NebiusValidationStep step, string message, string hint, bool apiUnreachable = false, Exception? inner = null)
            : base(message, inner)
        {
            Step = step;
            Hint = hint;
            ApiUnreachable = apiUnreachable;
        }

        public NebiusValidationStep Step { get; }

        public string Hint { get; }

        /// <summary>True when validation could not reach the API (the update may be forced).</summary>
        public bool ApiUnreachable { get; }
    }
}
