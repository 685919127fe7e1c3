using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// Parses SkyPilot task YAML (one task, or a pipeline of <c>---</c>-separated tasks). Every error names the file,
    /// the line and the field. Relative paths resolve against <c>baseDirectory</c> (the caller's current location).
    /// </summary>
    public static class TaskParser
    {
        private static readonly HashSet<string> TaskKeys = new HashSet<string>(StringComparer.Ordinal)
        {
            "name", "workdir", "num_nodes", "resources", "envs", "secrets", "file_mounts", "setup", "run", "config", "event_callback", "service", "volumes",
            // Accepted by the 0.13 server's schema and passed through as they are.
            "managed_secrets", "volume_mounts", "api_server_access", "file_mounts_mapping", "pool", "inputs", "outputs", "_metadata",
        };

        public static TaskFile ParseFile(string path, string baseDirectory, string? homeDirectory = null)
        {
            string text;
            try
            {
                text = Internal.SmallFile.ReadText(path, Internal.BoundedYaml.MaxLength);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Directory.Exists(path)
                    ? new TaskFileException(path, 0, null, "is a directory, not a task file", e, TaskFileProblem.NotAFile)
                    : e is FileNotFoundException || e is DirectoryNotFoundException
                        ? new TaskFileException(path, 0, null, "no such task file", e, TaskFileProblem.NotFound)
                        : new TaskFileException(path, 0, null, "cannot read the task file: " + e.Message, e, TaskFileProblem.Unreadable);
            }

            return Parse(text, path, baseDirectory, homeDirectory);
        }

        public static TaskFile Parse(string yaml, string path, string baseDirectory, string? homeDirectory = null)
        {
            YamlStream stream;
            try
            {
                stream = Internal.BoundedYaml.Load(yaml);
            }
            catch (YamlException e)
            {
                throw new TaskFileException(path, e.Start.Line, null, "is not valid YAML: " + FirstLine(e.InnerException?.Message ?? e.Message), e);
            }

            var documents = stream.Documents.Where(d => !(d.RootNode is YamlScalarNode s && string.IsNullOrEmpty(s.Value))).ToList();
            if (documents.Count == 0)
            {
                throw new TaskFileException(path, 1, null, "is empty: a task needs at least 'run' or 'setup'");
            }

            YamlMappingNode? header = null;
            var tasks = new List<SkyTask>();
            for (var i = 0; i < documents.Count; i++)
            {
                if (!(documents[i].RootNode is YamlMappingNode mapping))
                {
                    throw new TaskFileException(path, documents[i].RootNode.Start.Line, null, "a task must be a mapping of fields (name, resources, run, ...)");
                }

                if (i == 0 && documents.Count > 1 && mapping.Children.Count == 1 && Scalar(mapping, "name") != null)
                {
                    header = mapping;
                    continue;
                }

                tasks.Add(ParseTask(mapping, path, baseDirectory, homeDirectory ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));
            }

            return new TaskFile
            {
                Path = path,
                Name = (header is null ? null : Scalar(header, "name")) ?? (tasks.Count == 1 ? tasks[0].Name : null),
                Tasks = tasks,
                PipelineHeader = header,
            };
        }

        private static SkyTask ParseTask(YamlMappingNode task, string path, string baseDirectory, string home)
        {
            // A field this module does not know is passed through: the API server's validation judges it before anything is staged.
            var unknown = task.Children.Keys.OfType<YamlScalarNode>().Where(k => !TaskKeys.Contains(k.Value ?? string.Empty))
                .Select(k => new UnknownTaskField(k.Value ?? string.Empty, k.Start.Line, Closest(k.Value ?? string.Empty))).ToList();

            // workdir as a git repository ({url, ref}): the cluster clones it, so nothing is staged.
            var gitWorkdir = Node(task, "workdir") is YamlMappingNode git
                ? (Scalar(git, "url") ?? throw new TaskFileException(path, git.Start.Line, "workdir", "a git workdir needs 'url' (and optionally 'ref')")) + (Scalar(git, "ref") is string gitRef ? "@" + gitRef : string.Empty)
                : null;
            var workdir = Scalar(task, "workdir");
            string? resolvedWorkdir = null;
            if (workdir != null)
            {
                resolvedWorkdir = ResolveLocal(workdir, baseDirectory, home);
                if (!Directory.Exists(resolvedWorkdir))
                {
                    throw new TaskFileException(path, Node(task, "workdir")!.Start.Line, "workdir", "directory '" + workdir + "' does not exist (resolved to " + resolvedWorkdir + ")");
                }
            }

            foreach (var script in new[] { "run", "setup" })
            {
                if (Node(task, script) is YamlNode value && !(value is YamlScalarNode))
                {
                    throw new TaskFileException(path, value.Start.Line, script, "must be a string (a shell script), not a " + (value is YamlSequenceNode ? "list" : "mapping") + "; write it as 'run: echo hi' or as a block with 'run: |'");
                }
            }

            if (Scalar(task, "run") is null && Scalar(task, "setup") is null)
            {
                throw new TaskFileException(path, task.Start.Line, "run", "the task has neither 'run' nor 'setup': there is nothing to execute");
            }

            return new SkyTask
            {
                Name = Scalar(task, "name"),
                Workdir = resolvedWorkdir,
                GitWorkdir = gitWorkdir,
                UnknownFields = unknown,
                NumNodes = ParseNumNodes(task, path),
                Resources = ParseResources(task, path),
                Envs = ParseStringMap(task, "envs", path),
                SecretNames = Node(task, "secrets") is YamlMappingNode secrets ? secrets.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty).ToList() : (IReadOnlyList<string>)Array.Empty<string>(),
                FileMounts = ParseFileMounts(task, path, baseDirectory, home),
                Setup = Scalar(task, "setup"),
                Run = Scalar(task, "run"),
                Document = task,
            };
        }

        /// <summary>The known field an unknown one is most likely a typo of (edit distance 2 or less), if any.</summary>
        private static string? Closest(string key) => TaskKeys
            .Select(k => (Key: k, Distance: EditDistance(key, k)))
            .Where(c => c.Distance <= 2 && c.Distance < key.Length)
            .OrderBy(c => c.Distance).Select(c => c.Key).FirstOrDefault();

        private static int EditDistance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (var i = 0; i <= a.Length; i++)
            {
                d[i, 0] = i;
            }

            for (var j = 0; j <= b.Length; j++)
            {
                d[0, j] = j;
            }

            for (var i = 1; i <= a.Length; i++)
            {
                for (var j = 1; j <= b.Length; j++)
                {
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }
            }

            return d[a.Length, b.Length];
        }

        private static int ParseNumNodes(YamlMappingNode task, string path)
        {
            var node = Node(task, "num_nodes");
            if (node is null)
            {
                return 1;
            }

            if (node is YamlScalarNode scalar && int.TryParse(scalar.Value, out var n) && n >= 1)
            {
                return n;
            }

            throw new TaskFileException(path, node.Start.Line, "num_nodes", "must be a whole number of at least 1");
        }

        private static IReadOnlyList<TaskResources> ParseResources(YamlMappingNode task, string path)
        {
            var node = Node(task, "resources");
            if (node is null)
            {
                return Array.Empty<TaskResources>();
            }

            if (!(node is YamlMappingNode resources))
            {
                throw new TaskFileException(path, node.Start.Line, "resources", "must be a mapping");
            }

            var baseSpec = ParseOneResource(resources, path, "resources");
            foreach (var listKey in new[] { "any_of", "ordered" })
            {
                var list = Node(resources, listKey);
                if (list is null)
                {
                    continue;
                }

                if (!(list is YamlSequenceNode sequence) || sequence.Children.Count == 0)
                {
                    throw new TaskFileException(path, list.Start.Line, "resources." + listKey, "must be a non-empty list of resource mappings");
                }

                return sequence.Children.Select((item, i) => item is YamlMappingNode m
                    ? Merge(baseSpec, ParseOneResource(m, path, "resources." + listKey + "[" + i + "]"))
                    : throw new TaskFileException(path, item.Start.Line, "resources." + listKey + "[" + i + "]", "must be a mapping")).ToList();
            }

            return new[] { baseSpec };
        }

        private static TaskResources ParseOneResource(YamlMappingNode resources, string path, string field)
        {
            string? cloud = null, region = null, zone = null;
            var infra = Scalar(resources, "infra");
            if (infra != null)
            {
                var parts = infra.Split('/');
                cloud = CheckCloud(parts[0], resources, "infra", path, field);
                region = parts.Length > 1 && parts[1] != "*" ? parts[1] : null;
                zone = parts.Length > 2 ? parts[2] : null;
            }

            var legacyCloud = Scalar(resources, "cloud");
            if (legacyCloud != null)
            {
                cloud = CheckCloud(legacyCloud, resources, "cloud", path, field);
            }

            var spot = Scalar(resources, "use_spot");
            return new TaskResources
            {
                Cloud = cloud,
                Region = Scalar(resources, "region") ?? region,
                Zone = Scalar(resources, "zone") ?? zone,
                Accelerators = Node(resources, "accelerators") is YamlNode acc ? Flatten(acc) : null,
                Cpus = Scalar(resources, "cpus"),
                Memory = Scalar(resources, "memory"),
                UseSpot = string.Equals(spot, "true", StringComparison.OrdinalIgnoreCase),
            };
        }

        private static string? CheckCloud(string value, YamlMappingNode resources, string key, string path, string field)
        {
            if (value == "*" || value.Length == 0)
            {
                return null;
            }

            return SkyPilotClouds.Normalize(value)
                ?? throw new TaskFileException(path, Node(resources, key)!.Start.Line, field + "." + key, "unknown cloud '" + value + "' (SkyPilot knows: " + string.Join(", ", SkyPilotClouds.All) + ")");
        }

        private static TaskResources Merge(TaskResources baseSpec, TaskResources candidate) => new TaskResources
        {
            Cloud = candidate.Cloud ?? baseSpec.Cloud,
            Region = candidate.Region ?? baseSpec.Region,
            Zone = candidate.Zone ?? baseSpec.Zone,
            Accelerators = candidate.Accelerators ?? baseSpec.Accelerators,
            Cpus = candidate.Cpus ?? baseSpec.Cpus,
            Memory = candidate.Memory ?? baseSpec.Memory,
            UseSpot = candidate.UseSpot || baseSpec.UseSpot,
        };

        private static IReadOnlyList<FileMount> ParseFileMounts(YamlMappingNode task, string path, string baseDirectory, string home)
        {
            var node = Node(task, "file_mounts");
            if (node is null)
            {
                return Array.Empty<FileMount>();
            }

            if (!(node is YamlMappingNode mounts))
            {
                throw new TaskFileException(path, node.Start.Line, "file_mounts", "must be a mapping of remote paths to sources");
            }

            var result = new List<FileMount>();
            foreach (var entry in mounts.Children)
            {
                var remote = (entry.Key as YamlScalarNode)?.Value ?? string.Empty;
                var field = "file_mounts." + remote;
                var line = entry.Key.Start.Line;
                switch (entry.Value)
                {
                    case YamlScalarNode scalar when IsCloudUri(scalar.Value):
                        result.Add(new FileMount { RemotePath = remote, Kind = FileMountKind.CloudUri, Source = scalar.Value, Line = line });
                        break;
                    case YamlScalarNode scalar:
                        var local = ResolveLocal(scalar.Value ?? string.Empty, baseDirectory, home);
                        var isDirectory = Directory.Exists(local);
                        if (!isDirectory && !File.Exists(local))
                        {
                            throw new TaskFileException(path, line, field, "source '" + scalar.Value + "' does not exist (resolved to " + local + ")");
                        }

                        result.Add(new FileMount { RemotePath = remote, Kind = FileMountKind.LocalPath, Source = local, IsDirectory = isDirectory, Line = line });
                        break;
                    case YamlMappingNode storage:
                        var source = Scalar(storage, "source");
                        string? resolved = source;
                        var sourceIsDirectory = false;
                        if (source != null && !IsCloudUri(source))
                        {
                            resolved = ResolveLocal(source, baseDirectory, home);
                            sourceIsDirectory = Directory.Exists(resolved);
                            if (!sourceIsDirectory)
                            {
                                throw new TaskFileException(path, Node(storage, "source")!.Start.Line, field + ".source", "local directory '" + source + "' does not exist (resolved to " + resolved + ")");
                            }
                        }

                        if (source is null && Scalar(storage, "name") is null)
                        {
                            throw new TaskFileException(path, line, field, "a storage mount needs 'name' or 'source'");
                        }

                        var store = Scalar(storage, "store")?.ToLowerInvariant();
                        if (resolved != null && !IsCloudUri(resolved) && (Scalar(storage, "name") != null || (store != null && store != "gcs")))
                        {
                            // SkyPilot would create the named bucket in that store and upload there; this module stages
                            // local files to the job bucket only, and must not silently send them somewhere else.
                            throw new TaskFileException(path, line, field, "a storage mount with a local source and " + (store != null && store != "gcs" ? "store '" + store + "'" : "a bucket name") + " is not supported by Submit-SkyJob; use a plain file mount (/remote: ./local), or upload the directory and mount its gs:// URI");
                        }

                        result.Add(new FileMount
                        {
                            RemotePath = remote,
                            Kind = FileMountKind.StorageObject,
                            Source = resolved,
                            Store = Scalar(storage, "store")?.ToLowerInvariant(),
                            Mode = Scalar(storage, "mode")?.ToUpperInvariant(),
                            StorageName = Scalar(storage, "name"),
                            IsDirectory = sourceIsDirectory,
                            Line = line,
                        });
                        break;
                    default:
                        throw new TaskFileException(path, line, field, "must be a local path, a cloud URI, or a storage mapping");
                }
            }

            return result;
        }

        internal static bool IsCloudUri(string? value) => value != null && value.IndexOf("://", StringComparison.Ordinal) > 0;

        private static string ResolveLocal(string value, string baseDirectory, string home)
        {
            var expanded = value;
            if (value == "~" || value.StartsWith("~/", StringComparison.Ordinal))
            {
                expanded = Path.Combine(home, value.Length > 2 ? value.Substring(2) : string.Empty);
            }

            return Path.GetFullPath(Path.Combine(baseDirectory, expanded)).TrimEnd(Path.DirectorySeparatorChar);
        }

        private static IReadOnlyDictionary<string, string> ParseStringMap(YamlMappingNode task, string key, string path)
        {
            var node = Node(task, key);
            if (node is null)
            {
                return new Dictionary<string, string>();
            }

            if (!(node is YamlMappingNode map))
            {
                throw new TaskFileException(path, node.Start.Line, key, "must be a mapping of names to values");
            }

            foreach (var pair in map.Children)
            {
                if (!(pair.Value is YamlScalarNode))
                {
                    throw new TaskFileException(path, pair.Value.Start.Line, key + "." + ((pair.Key as YamlScalarNode)?.Value ?? string.Empty), "must be a single value (a string or number), not a " + (pair.Value is YamlSequenceNode ? "list" : "mapping"));
                }
            }

            return map.Children.ToDictionary(p => (p.Key as YamlScalarNode)?.Value ?? string.Empty, p => ((YamlScalarNode)p.Value).Value ?? string.Empty);
        }

        internal static YamlNode? Node(YamlMappingNode mapping, string key) =>
            mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        internal static string? Scalar(YamlMappingNode mapping, string key) =>
            Node(mapping, key) is YamlScalarNode scalar && !string.IsNullOrEmpty(scalar.Value) && scalar.Value != "null" && scalar.Value != "~" ? scalar.Value : null;

        private static string Flatten(YamlNode node)
        {
            switch (node)
            {
                case YamlScalarNode scalar:
                    return scalar.Value ?? string.Empty;
                case YamlMappingNode map:
                    return string.Join(", ", map.Children.Select(p => Flatten(p.Key) + ":" + Flatten(p.Value)));
                case YamlSequenceNode sequence:
                    return string.Join(", ", sequence.Children.Select(Flatten));
                default:
                    return string.Empty;
            }
        }

        private static string FirstLine(string text)
        {
            var newline = text.IndexOfAny(new[] { '\r', '\n' });
            return newline < 0 ? text : text.Substring(0, newline);
        }
    }
}
