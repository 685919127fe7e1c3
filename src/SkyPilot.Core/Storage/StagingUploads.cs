using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;

namespace SkyPilot.Core.Storage
{
    /// <summary>
    /// The upload loop every object store shares: bounded parallelism, byte-level progress, and at the first failure
    /// a stop with what was staged (a <see cref="StagingFailedException"/>; a re-run skips what is there).
    /// </summary>
    internal static class StagingUploads
    {
        /// <summary>Uploads <paramref name="todo"/> (the plan's files not already staged); returns the plan's file count.</summary>
        public static async Task<int> RunAsync(StagingPlan staging, IReadOnlyList<StagedFile> todo, SkyEnvironment environment, ISkyLog log, Action<StagingProgress> progress,
            Func<StagedFile, Action<long>, CancellationToken, Task> upload, CancellationToken cancellationToken)
        {
            var skipped = staging.Files.Count - todo.Count;
            var bytesTotal = todo.Sum(f => f.Size);
            long bytesDone = 0;
            var filesDone = skipped;
            var done = new ConcurrentBag<string>();
            progress(new StagingProgress(filesDone, staging.Files.Count, 0, bytesTotal, skipped));
            if (skipped > 0)
            {
                log.Verbose(skipped + " of " + staging.Files.Count + " file(s) are already staged with the same MD5; not uploading them again");
            }

            Config.SkySettings.For(environment).ReportTo(log);
            using (var gate = new SemaphoreSlim(GcsStager.Parallelism(environment)))
            using (var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                StagedFile? failedFile = null;
                Exception? failure = null;
                var uploads = todo.Select(async file =>
                {
                    await gate.WaitAsync(failed.Token).ConfigureAwait(false);
                    try
                    {
                        await upload(file, sent =>
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
