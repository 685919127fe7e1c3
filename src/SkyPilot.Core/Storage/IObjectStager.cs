using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Jobs;

namespace SkyPilot.Core.Storage
{
    /// <summary>Stages a plan's files in one kind of object store (the job bucket's scheme picks it).</summary>
    public interface IObjectStager
    {
        /// <summary>
        /// Bucket access for the current identity, checked before anything is uploaded; null when the caller makes
        /// that check itself (GCS).
        /// </summary>
        Task<PrecheckItem?> PrecheckAsync(StagingPlan staging, SkyEnvironment environment, CancellationToken cancellationToken);

        /// <summary>Stages every file of the plan, skipping those already there; returns how many files are staged.</summary>
        Task<int> StageAsync(StagingPlan staging, SkyEnvironment environment, Action<StagingProgress> progress, CancellationToken cancellationToken);
    }

    /// <summary>The stager for a bucket scheme: <c>gs://</c> Cloud Storage, <c>s3://</c> AWS S3, <c>nebius://</c> Nebius object storage.</summary>
    public static class ObjectStagers
    {
        public static IObjectStager For(StagingPlan staging, HttpClient http, ISkyLog log) => staging.Scheme switch
        {
            StagingPlan.GcsScheme => new GcsStager(http, log),
            StagingPlan.S3Scheme => new S3Stager(http, log, S3Store.Aws),
            StagingPlan.NebiusScheme => new S3Stager(http, log, S3Store.Nebius),
            _ => throw new ArgumentException("no stager for " + staging.Scheme + "://"),
        };
    }
}
