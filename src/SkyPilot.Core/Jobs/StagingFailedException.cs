using System;

namespace SkyPilot.Core.Jobs
{
    /// <summary>Staging or submission failed after some files were staged: says what was staged and that no job was submitted.</summary>
    public sealed class StagingFailedException : SkyException
    {
        public StagingFailedException(string message, string hint, string? file, int filesStaged, int filesTotal, string prefixUri, Exception inner)
            : base(message, inner)
        {
            Hint = hint;
            File = file;
            FilesStaged = filesStaged;
            FilesTotal = filesTotal;
            PrefixUri = prefixUri;
        }

        public override string Hint { get; }

        public override string ErrorId => "StagingFailed";

        public override SkyErrorKind Kind => File is null ? SkyErrorKind.Unreachable : SkyErrorKind.WriteFailed;

        public override object? Target => File;

        /// <summary>The file whose upload failed, when one did.</summary>
        public string? File { get; }

        public int FilesStaged { get; }

        public int FilesTotal { get; }

        public string PrefixUri { get; }
    }
}
