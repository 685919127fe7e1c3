using System;
using SkyPilot.Core.Checks;

namespace SkyPilot.Core.Gcp
{
    /// <summary>An access token could not be obtained for the credential; carries the user-facing reason and hint.</summary>
    public sealed class GoogleAuthException : SkyException
    {
        public GoogleAuthException(CheckStatus status, string reason, string hint, Exception? inner = null)
            : base(reason, inner)
        {
            Status = status;
            Hint = hint;
        }

        public CheckStatus Status { get; }

        public override string Hint { get; }

        public override string ErrorId => IdOf(Status);

        public override SkyErrorKind Kind => KindOf(Status);
    }
}
