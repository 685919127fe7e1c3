using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;

namespace SkyPilot.Core.Storage
{
    /// <summary>
    /// Uploads a staging plan to Cloud Storage for the current GCP identity: creates the bucket when missing, skips
    /// objects already there with the same MD5, uploads the rest with bounded parallelism, and stops at the first
    /// failure with what was staged.
    /// </summary>
    public sealed class GcsStager : IObjectStager
    {
        /// <summary>Bucket-level permissions staging needs on an existing bucket.</summary>
        public static readonly string[] ObjectPermissions = { "storage.objects.create", "storage.objects.get", "storage.objects.list" };

        private readonly HttpClient _http;
        private readonly ISkyLog _log;

        public GcsStager(HttpClient http, ISkyLog log)
        {
            _http = http;
            _log = log;
        }

        /// <summary>Upload parallelism. Environment: <c>SKYPILOT_PS_UPLOAD_PARALLELISM</c> (default 8).</summary>
        public static int Parallelism(SkyEnvironment env) => Config.SkySettings.For(env).GetInt(Config.SkySettings.UploadParallelism);

        /// <summary>Null: the GCS bucket precheck (testIamPermissions) is made by the job submitter itself.</summary>
        public Task<Jobs.PrecheckItem?> PrecheckAsync(StagingPlan staging, SkyEnvironment environment, CancellationToken cancellationToken) =>
            Task.FromResult<Jobs.PrecheckItem?>(null);

        /// <summary>Stages every file of the plan; returns how many files are staged (uploaded now or already there).</summary>
        public async Task<int> StageAsync(StagingPlan staging, SkyEnvironment environment, Action<StagingProgress> progress, CancellationToken cancellationToken)
        {
            var access = GcpAccess.For(environment);
            var gcs = access.Storage(_http, _log);
            if (await gcs.TestBucketPermissionsAsync(staging.Bucket, ObjectPermissions, cancellationToken).ConfigureAwait(false) is null)
            {
                _log.Verbose("Creating bucket gs://" + staging.Bucket + " in project " + access.Resolution.Identity.Project);
                try
                {
                    await gcs.CreateBucketAsync(staging.Bucket, access.Resolution.Identity.Project!, cancellationToken).ConfigureAwait(false);
                }
                catch (GoogleApiException e) when (e.Error.StatusCode == 409)
                {
                    // A parallel submission (a CI matrix) created it first: use it.
                    _log.Verbose("Bucket gs://" + staging.Bucket + " was created meanwhile; using it");
                }
            }

            var existing = await gcs.ListAsync(staging.Bucket, staging.JobPrefix, cancellationToken).ConfigureAwait(false);
            var todo = staging.Files.Where(f => !(existing.TryGetValue(f.ObjectName, out var o) && o.Md5Base64 == f.Md5Base64 && o.Size == f.Size)).ToList();
            return await StagingUploads.RunAsync(staging, todo, environment, _log, progress,
                (file, sent, token) => gcs.UploadAsync(staging.Bucket, file.ObjectName, file.LocalPath, sent, token), cancellationToken).ConfigureAwait(false);
        }

    }
}
