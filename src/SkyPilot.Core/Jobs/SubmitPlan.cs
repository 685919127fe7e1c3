using System.Collections.Generic;
using System.Linq;
using System.Text;
using SkyPilot.Core.Api;
using SkyPilot.Core.Storage;

namespace SkyPilot.Core.Jobs
{
    /// <summary>What submitting a task will check, stage and send — computed locally, touching nothing.</summary>
    public sealed class SubmitPlan
    {
        public TaskFile Task { get; init; } = new TaskFile();

        public SkyApiEndpoint Endpoint { get; init; } = null!;

        public StagingPlan? Staging { get; init; }

        /// <summary>Per task, the clouds whose compute it may run on (empty: any enabled cloud).</summary>
        public IReadOnlyList<IReadOnlyList<string>> ComputeCandidates { get; init; } = new List<IReadOnlyList<string>>();

        /// <summary>The clouds whose storage the task needs (the job bucket's store, buckets file_mounts read from), with why.</summary>
        public IReadOnlyDictionary<string, string> StorageNeeds { get; init; } = new Dictionary<string, string>();

        public string Describe()
        {
            var text = new StringBuilder();
            text.AppendLine("Task file: " + Task.Path + " (" + Task.Tasks.Count + " task(s)" + (Task.Name is null ? string.Empty : ", name '" + Task.Name + "'") + ")");
            text.AppendLine("API server: " + Endpoint + " (from " + Endpoint.Source + ")");
            foreach (var git in Task.Tasks.Where(t => t.GitWorkdir != null))
            {
                text.AppendLine("Workdir: git repository " + git.GitWorkdir + " (cloned on the cluster; nothing is staged for it)");
            }

            foreach (var field in Task.Tasks.SelectMany(t => t.UnknownFields))
            {
                text.AppendLine("Unknown task field " + field + " (passed through; the API server validates it)");
            }

            text.AppendLine("Checks for the current identity:");
            for (var i = 0; i < ComputeCandidates.Count; i++)
            {
                var clouds = ComputeCandidates[i];
                text.AppendLine("  - compute on " + (clouds.Count == 0 ? "at least one enabled cloud" : string.Join(" or ", clouds)) + " (task " + (i + 1) + ")");
            }

            foreach (var need in StorageNeeds)
            {
                text.AppendLine("  - storage on " + need.Key + " (" + need.Value + ")");
            }

            if (Staging != null && !Staging.IsEmpty)
            {
                text.AppendLine("  - object access to " + Staging.BucketUri + (Staging.Scheme == StagingPlan.GcsScheme ? " (or storage.buckets.create if it does not exist)" : " (created if it does not exist)"));
                text.AppendLine("Upload: " + Staging.Files.Count + " file(s), " + Staging.TotalBytes + " bytes to " + Staging.JobPrefixUri);
                foreach (var uri in Staging.MountUris.OrderBy(p => p.Key))
                {
                    text.AppendLine("  " + uri.Key.Substring(uri.Key.IndexOf('|') + 1) + " -> " + uri.Value);
                }
            }
            else
            {
                text.AppendLine("Upload: nothing (the task names no local files)");
            }

            return text.ToString().TrimEnd();
        }
    }
}
