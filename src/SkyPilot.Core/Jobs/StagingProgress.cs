namespace SkyPilot.Core.Jobs
{
    /// <summary>How far staging has got.</summary>
    public sealed class StagingProgress
    {
        public StagingProgress(int filesDone, int filesTotal, long bytesDone, long bytesTotal, int filesSkipped)
        {
            FilesDone = filesDone;
            FilesTotal = filesTotal;
            BytesDone = bytesDone;
            BytesTotal = bytesTotal;
            FilesSkipped = filesSkipped;
        }

        public int FilesDone { get; }

        public int FilesTotal { get; }

        public long BytesDone { get; }

        public long BytesTotal { get; }

        /// <summary>Files already present with the same MD5 (not uploaded again).</summary>
        public int FilesSkipped { get; }

        public int PercentComplete => BytesTotal == 0 ? (FilesTotal == 0 ? 100 : FilesDone * 100 / FilesTotal) : (int)(BytesDone * 100 / BytesTotal);
    }
}
