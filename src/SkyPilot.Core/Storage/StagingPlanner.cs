using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using SkyPilot.Core.Jobs;

namespace SkyPilot.Core.Storage
{
    /// <summary>
    /// Decides which local files a job stages and under which object names, following SkyPilot's layout:
    /// <c>job-&lt;run id&gt;/workdir</c> and <c>job-&lt;run id&gt;/local-file-mounts/&lt;i&gt;</c> (single files under <c>tmp-files/&lt;i&gt;</c>).
    /// Hashes every file (MD5, as Cloud Storage reports it) so unchanged objects can be skipped on a re-run.
    /// </summary>
    public static class StagingPlanner
    {
        public const string RemoteWorkdir = "~/sky_workdir";

        /// <summary>Parses <c>gs://</c>, <c>s3://</c> or <c>nebius://bucket[/prefix]</c>.</summary>
        public static (string Scheme, string Bucket, string Prefix) ParseJobBucketUri(string uri)
        {
            var separator = uri.IndexOf("://", StringComparison.Ordinal);
            var scheme = separator < 0 ? string.Empty : uri.Substring(0, separator).ToLowerInvariant();
            if (scheme != StagingPlan.GcsScheme && scheme != StagingPlan.S3Scheme && scheme != StagingPlan.NebiusScheme)
            {
                throw new Config.InvalidSettingException(
                    "jobs.bucket '" + uri + "' is not a gs://, s3:// or nebius:// URI; this module stages files to Cloud Storage, AWS S3 and Nebius object storage",
                    "jobs.bucket",
                    uri,
                    "Set jobs.bucket in the SkyPilot config (~/.sky/config.yaml or SKYPILOT_CONFIG) to a bucket such as gs://my-bucket/jobs or s3://my-bucket/jobs, or remove it to use the default per-user bucket.");
            }

            var rest = uri.Substring(separator + 3).Trim('/');
            var slash = rest.IndexOf('/');
            return slash < 0 ? (scheme, rest, string.Empty) : (scheme, rest.Substring(0, slash), rest.Substring(slash + 1));
        }

        /// <summary>
        /// The plan for <paramref name="taskFile"/>. Entries that are not staged (links to directories, dangling links,
        /// FIFOs, sockets, devices; see <see cref="IgnoreRules.Files"/>) are listed in <see cref="StagingPlan.Skipped"/>
        /// and written to <paramref name="log"/> as warnings.
        /// </summary>
        public static StagingPlan Plan(TaskFile taskFile, string bucketUri, CancellationToken cancellationToken, ISkyLog? log = null)
        {
            var (scheme, bucket, basePrefix) = ParseJobBucketUri(bucketUri);
            var skipped = new List<string>();
            void Skip(string path, string why)
            {
                var line = "not staged: " + path + " is " + why;
                skipped.Add(line);
                log?.Warning(line);
            }

            var pending = new List<(string LocalPath, string RelativeName)>();
            var mounts = new List<(string Key, string RelativePrefix)>();
            var ignoreSources = new List<string>();
            var mountIndex = 0;
            for (var t = 0; t < taskFile.Tasks.Count; t++)
            {
                var task = taskFile.Tasks[t];
                if (task.Workdir != null)
                {
                    var name = t == 0 ? "workdir" : "workdir-" + t;
                    var rules = IgnoreRules.ForDirectory(task.Workdir);
                    if (rules.Source != null)
                    {
                        ignoreSources.Add(rules.Source);
                    }

                    pending.AddRange(rules.Files(task.Workdir, Skip).Select(f => (f.FullPath, name + "/" + f.RelativePath)));
                    mounts.Add((t + "|workdir", name));
                }

                foreach (var mount in task.FileMounts)
                {
                    var isLocal = mount.Kind == FileMountKind.LocalPath || (mount.Kind == FileMountKind.StorageObject && mount.Source != null && !TaskParser.IsCloudUri(mount.Source));
                    if (!isLocal)
                    {
                        continue;
                    }

                    var index = mountIndex++;
                    if (mount.IsDirectory)
                    {
                        var prefix = "local-file-mounts/" + index;
                        pending.AddRange(new IgnoreRules().Files(mount.Source!, Skip).Select(f => (f.FullPath, prefix + "/" + f.RelativePath)));
                        mounts.Add((t + "|" + mount.RemotePath, prefix));
                    }
                    else
                    {
                        var name = "tmp-files/" + index + "/" + Path.GetFileName(mount.Source!);
                        var kind = Internal.FileEntry.Inspect(mount.Source!);
                        if (kind != Internal.FileEntryKind.RegularFile && kind != Internal.FileEntryKind.LinkToFile)
                        {
                            // Named by the task itself: skipping it would send the job a path on this machine.
                            throw new TaskFileException(taskFile.Path, mount.Line, "file_mounts", "'" + mount.Source + "' is " + Internal.FileEntry.Describe(kind) + "; only regular files, or links to them, can be staged");
                        }

                        pending.Add((kind == Internal.FileEntryKind.LinkToFile ? Internal.FileEntry.Resolve(mount.Source!) : mount.Source!, name));
                        mounts.Add((t + "|" + mount.RemotePath, name));
                    }
                }
            }

            var hashed = pending.Select(p =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                return (p.LocalPath, p.RelativeName, Size: new FileInfo(p.LocalPath).Length, Md5: Md5Of(p.LocalPath, cancellationToken));
            }).ToList();
            var runId = RunIdFor(taskFile, hashed.Select(h => h.RelativeName + "|" + h.Size + "|" + h.Md5));
            var jobPrefix = (basePrefix.Length == 0 ? string.Empty : basePrefix + "/") + "job-" + runId + "/";
            var files = hashed.Select(h => new StagedFile(h.LocalPath, jobPrefix + h.RelativeName, h.Size, h.Md5)).ToList();
            var uris = mounts.ToDictionary(m => m.Key, m => scheme + "://" + bucket + "/" + jobPrefix + m.RelativePrefix, StringComparer.Ordinal);
            return new StagingPlan(bucket, basePrefix, runId, files, uris, ignoreSources, scheme) { Skipped = skipped };
        }

        private static string RunIdFor(TaskFile taskFile, IEnumerable<string> manifest)
        {
            using (var sha = SHA256.Create())
            {
                var text = File.Exists(taskFile.Path) ? File.ReadAllText(taskFile.Path) : taskFile.Path;
                var bytes = Encoding.UTF8.GetBytes(text + "\n" + string.Join("\n", manifest));
                var hash = sha.ComputeHash(bytes);
                return "sky-ps-" + string.Concat(hash.Take(8).Select(b => b.ToString("x2")));
            }
        }

        /// <summary>The MD5 of a regular file, read in chunks so Ctrl+C stops it between two of them.</summary>
        internal static string Md5Of(string path, CancellationToken cancellationToken = default)
        {
            using (var md5 = MD5.Create())
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    md5.TransformBlock(buffer, 0, read, null, 0);
                }

                md5.TransformFinalBlock(buffer, 0, 0);
                return Convert.ToBase64String(md5.Hash!);
            }
        }
    }
}
