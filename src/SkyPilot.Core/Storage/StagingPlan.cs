using System.Collections.Generic;
using System.Linq;

namespace SkyPilot.Core.Storage
{
    /// <summary>One local file and the object it becomes.</summary>
    public sealed class StagedFile
    {
        public StagedFile(string localPath, string objectName, long size, string md5Base64)
        {
            LocalPath = localPath;
            ObjectName = objectName;
            Size = size;
            Md5Base64 = md5Base64;
        }

        public string LocalPath { get; }

        public string ObjectName { get; }

        public long Size { get; }

        public string Md5Base64 { get; }
    }

    /// <summary>Where a job's local files go in the job bucket (SkyPilot's <c>job-&lt;run id&gt;/...</c> layout).</summary>
    public sealed class StagingPlan
    {
        public const string GcsScheme = "gs";
        public const string S3Scheme = "s3";
        public const string NebiusScheme = "nebius";

        internal StagingPlan(string bucket, string basePrefix, string runId, IReadOnlyList<StagedFile> files, IReadOnlyDictionary<string, string> mountUris, IReadOnlyList<string> ignoreSources, string scheme = GcsScheme)
        {
            Scheme = scheme;
            Bucket = bucket;
            BasePrefix = basePrefix;
            RunId = runId;
            Files = files;
            MountUris = mountUris;
            IgnoreSources = ignoreSources;
        }

        /// <summary>The job bucket's scheme: <c>gs</c>, <c>s3</c> or <c>nebius</c>.</summary>
        public string Scheme { get; }

        /// <summary>The cloud whose identity writes a bucket of the scheme (<c>gcp</c>, <c>aws</c>, <c>nebius</c>).</summary>
        public static string CloudOf(string scheme) => scheme == GcsScheme ? KnownClouds.Gcp : scheme == S3Scheme ? KnownClouds.Aws : KnownClouds.Nebius;

        /// <summary>SkyPilot's store name for the scheme (<c>gcs</c>, <c>s3</c>, <c>nebius</c>).</summary>
        public string Store => Scheme == GcsScheme ? "gcs" : Scheme;

        public string Bucket { get; }

        public string BucketUri => Scheme + "://" + Bucket;

        /// <summary>The path inside the bucket from <c>jobs.bucket</c> (may be empty).</summary>
        public string BasePrefix { get; }

        /// <summary>Derived from the task and the files' content, so an identical retry reuses what is staged.</summary>
        public string RunId { get; }

        /// <summary>Object-name prefix of everything this job stages: <c>[base/]job-&lt;run id&gt;/</c>.</summary>
        public string JobPrefix => (BasePrefix.Length == 0 ? string.Empty : BasePrefix + "/") + "job-" + RunId + "/";

        public string JobPrefixUri => BucketUri + "/" + JobPrefix;

        public IReadOnlyList<StagedFile> Files { get; }

        public long TotalBytes => Files.Sum(f => f.Size);

        /// <summary>For each rewritten mount key (<c>task index|remote path</c>, or <c>task index|workdir</c>) the bucket URI it now reads from.</summary>
        public IReadOnlyDictionary<string, string> MountUris { get; }

        /// <summary>The <c>.skyignore</c>/<c>.gitignore</c> files that were applied.</summary>
        public IReadOnlyList<string> IgnoreSources { get; }

        public bool IsEmpty => MountUris.Count == 0;

        /// <summary>Entries that were not staged and why (a link to a directory, a dangling link, a FIFO, ...).</summary>
        public IReadOnlyList<string> Skipped { get; internal set; } = new List<string>();
    }
}
