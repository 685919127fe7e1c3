using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using SkyPilot.Core.Storage;
using YamlDotNet.RepresentationModel;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// The task YAML sent to the API server: local workdirs and file mounts replaced by the gs:// URIs they were staged
    /// to (as SkyPilot's controller translation does), so the submitted task names no local path.
    /// </summary>
    public static class TaskRewriter
    {
        public static string ToServerYaml(TaskFile file, StagingPlan? plan)
        {
            var documents = new List<YamlMappingNode>();
            if (file.PipelineHeader != null)
            {
                documents.Add(file.PipelineHeader);
            }

            for (var i = 0; i < file.Tasks.Count; i++)
            {
                documents.Add(Rewrite(file.Tasks[i], i, plan));
            }

            var builder = new StringBuilder();
            foreach (var document in documents)
            {
                if (builder.Length > 0)
                {
                    builder.Append("---\n");
                }

                var writer = new StringWriter();
                new YamlStream(new YamlDocument(document)).Save(writer, assignAnchors: false);
                builder.Append(WithoutDocumentEnd(writer.ToString().Replace("\r\n", "\n"))).Append('\n');
            }

            return builder.ToString();
        }

        /// <summary>Drops YamlDotNet's closing <c>...</c> line (and only that line: values may end in dots).</summary>
        private static string WithoutDocumentEnd(string yaml)
        {
            var text = yaml.TrimEnd('\n');
            return text.EndsWith("\n...", System.StringComparison.Ordinal) ? text.Substring(0, text.Length - 4).TrimEnd('\n') : text;
        }

        private static YamlMappingNode Rewrite(SkyTask task, int index, StagingPlan? plan)
        {
            var result = new YamlMappingNode();
            YamlMappingNode? mounts = null;
            foreach (var entry in task.Document.Children)
            {
                var key = (entry.Key as YamlScalarNode)?.Value;
                if (key == "workdir" && plan != null && plan.MountUris.ContainsKey(index + "|workdir"))
                {
                    continue;
                }

                if (key == "file_mounts")
                {
                    mounts = RewriteMounts(task, index, (YamlMappingNode)entry.Value, plan);
                    result.Add(entry.Key, mounts);
                    continue;
                }

                result.Add(entry.Key, entry.Value);
            }

            if (plan != null && plan.MountUris.TryGetValue(index + "|workdir", out var workdirUri))
            {
                if (mounts is null)
                {
                    mounts = new YamlMappingNode();
                    result.Add("file_mounts", mounts);
                }

                mounts.Add(StagingPlanner.RemoteWorkdir, CopyMount(workdirUri));
            }

            return result;
        }

        private static YamlMappingNode RewriteMounts(SkyTask task, int index, YamlMappingNode original, StagingPlan? plan)
        {
            var rewritten = new YamlMappingNode();
            foreach (var entry in original.Children)
            {
                var remote = (entry.Key as YamlScalarNode)?.Value ?? string.Empty;
                var mount = task.FileMounts.FirstOrDefault(m => m.RemotePath == remote);
                if (plan is null || mount is null || !plan.MountUris.TryGetValue(index + "|" + remote, out var uri))
                {
                    rewritten.Add(entry.Key, entry.Value);
                }
                else if (mount.Kind == FileMountKind.StorageObject)
                {
                    var node = new YamlMappingNode { { "source", uri }, { "store", plan.Store }, { "mode", mount.Mode ?? "MOUNT" } };
                    rewritten.Add(entry.Key, node);
                }
                else if (mount.IsDirectory)
                {
                    rewritten.Add(entry.Key, CopyMount(uri));
                }
                else
                {
                    rewritten.Add(entry.Key, new YamlScalarNode(uri));
                }
            }

            return rewritten;
        }

        private static YamlMappingNode CopyMount(string uri) => new YamlMappingNode { { "source", uri }, { "mode", "COPY" } };
    }
}
