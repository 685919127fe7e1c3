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

        /// <summary>Parses <c>gs://bucket[/prefix]</c>.</summary>
        public static (string Bucket, string Prefix) ParseBucketUri(string uri)
        {
            if (!uri.StartsWith("gs://", StringComparison.OrdinalIgnoreCase))
            {
                throw new Config.InvalidSettingException(
                    "jobs.bucket '" + uri + "' is not a gs:// URI; this module stages files to Cloud Storage only",
                    "jobs.bucket",
                    uri,
                    "Set jobs.bucket in the SkyPilot config (~/.sky/config.yaml or SKYPILOT_CONFIG) to a Cloud Storage bucket such as gs://my-bucket/jobs, or remove it to use the default per-user bucket.");
            }

            var rest = uri.Substring(5).Trim('/');
            var slash = rest.IndexOf('/');
            return slash < 0 ? (rest, string.Empty) : (rest.Substring(0, slash), rest.Substring(slash + 1));
        }

        public static StagingPlan Plan(TaskFile taskFile, string bucketUri, CancellationToken cancellationToken)
        {
            var (bucket, basePrefix) = ParseBucketUri(bucketUri);
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

                    pending.AddRange(rules.Files(task.Workdir).Select(f => (f.FullPath, name + "/" + f.RelativePath)));
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
                        pending.AddRange(new IgnoreRules().Files(mount.Source!).Select(f => (f.FullPath, prefix + "/" + f.RelativePath)));
                        mounts.Add((t + "|" + mount.RemotePath, prefix));
                    }
                    else
                    {
                        var name = "tmp-files/" + index + "/" + Path.GetFileName(mount.Source!);
                        pending.Add((mount.Source!, name));
                        mounts.Add((t + "|" + mount.RemotePath, name));
                    }
                }
            }

            var hashed = pending.Select(p =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                return (p.LocalPath, p.RelativeName, Size: new FileInfo(p.LocalPath).Length, Md5: Md5Of(p.LocalPath));
            }).ToList();
            var runId = RunIdFor(taskFile, hashed.Select(h => h.RelativeName + "|" + h.Size + "|" + h.Md5));
            var jobPrefix = (basePrefix.Length == 0 ? string.Empty : basePrefix + "/") + "job-" + runId + "/";
            var files = hashed.Select(h => new StagedFile(h.LocalPath, jobPrefix + h.RelativeName, h.Size, h.Md5)).ToList();
            var uris = mounts.ToDictionary(m => m.Key, m => "gs://" + bucket + "/" + jobPrefix + m.RelativePrefix, StringComparer.Ordinal);
            return new StagingPlan(bucket, basePrefix, runId, files, uris, ignoreSources);
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

        internal static string Md5Of(string path)
        {
            using (var md5 = MD5.Create())
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            {
                return Convert.ToBase64String(md5.ComputeHash(stream));
            }
        }
    }
}
