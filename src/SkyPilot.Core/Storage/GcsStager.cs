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
    public sealed class GcsStager
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
            var skipped = staging.Files.Count - todo.Count;
            var bytesTotal = todo.Sum(f => f.Size);
            long bytesDone = 0;
            var filesDone = skipped;
            var done = new ConcurrentBag<string>();
            progress(new StagingProgress(filesDone, staging.Files.Count, 0, bytesTotal, skipped));
            if (skipped > 0)
            {
                _log.Verbose(skipped + " of " + staging.Files.Count + " file(s) are already staged with the same MD5; not uploading them again");
            }

            Config.SkySettings.For(environment).ReportTo(_log);
            using (var gate = new SemaphoreSlim(Parallelism(environment)))
            using (var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                StagedFile? failedFile = null;
                Exception? failure = null;
                var uploads = todo.Select(async file =>
                {
                    await gate.WaitAsync(failed.Token).ConfigureAwait(false);
                    try
                    {
                        await gcs.UploadAsync(staging.Bucket, file.ObjectName, file.LocalPath, sent =>
                        {
                            var now = Interlocked.Add(ref bytesDone, sent);
                            progress(new StagingProgress(Volatile.Read(ref filesDone), staging.Files.Count, now, bytesTotal, skipped));
                        }, failed.Token).ConfigureAwait(false);
                        done.Add(file.ObjectName);
                        Interlocked.Increment(ref filesDone);
                    }
                    catch (Exception e) when (!(e is OperationCanceledException) || !cancellationToken.IsCancellationRequested)
                    {
                        if (Interlocked.CompareExchange(ref failure, e, null) == null)
                        {
                            failedFile = file;
                            failed.Cancel();
                        }
                    }
                    finally
                    {
                        gate.Release();
                    }
                }).ToList();
                try
                {
                    await Task.WhenAll(uploads).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (failure != null)
                {
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (failure != null)
                {
                    var staged = skipped + done.Count;
                    throw new StagingFailedException(
                        "Uploading " + failedFile!.LocalPath + " failed: " + Redactor.Redact(failure.Message) + ". " + staged + " of " + staging.Files.Count + " file(s) are staged under " + staging.JobPrefixUri + "; no job was submitted.",
                        "Fix the cause and run Submit-SkyJob again: files already staged are not uploaded again.",
                        failedFile.LocalPath,
                        staged,
                        staging.Files.Count,
                        staging.JobPrefixUri,
                        failure);
                }
            }

            progress(new StagingProgress(staging.Files.Count, staging.Files.Count, bytesTotal, bytesTotal, skipped));
            return staging.Files.Count;
        }

    }
}
