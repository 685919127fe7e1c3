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
    public sealed class NebiusCredentialException : SkyException
    {
        public NebiusCredentialException(NebiusValidationStep step, string message, string hint, bool apiUnreachable = false, Exception? inner = null)
            : base(message, inner)
        {
            Step = step;
            Hint = hint;
            ApiUnreachable = apiUnreachable;
        }

        public NebiusValidationStep Step { get; }

        public override string Hint { get; }

        public override string ErrorId => "CredentialRejected" + Step;

        public override object Target => "nebius";

        public override SkyErrorKind Kind
        {
            get
            {
                switch (Step)
                {
                    case NebiusValidationStep.Format:
                    case NebiusValidationStep.Tenant:
                        return SkyErrorKind.InvalidArgument;
                    case NebiusValidationStep.Api:
                        return ApiUnreachable ? SkyErrorKind.Unreachable : SkyErrorKind.AuthenticationFailed;
                    case NebiusValidationStep.Cli:
                        return SkyErrorKind.NotFound;
                    default:
                        return SkyErrorKind.WriteFailed;
                }
            }
        }

        /// <summary>True when validation could not reach the API (the update may be forced).</summary>
        public bool ApiUnreachable { get; }
    }
}
