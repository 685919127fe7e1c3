using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>One named kubeconfig entry (a cluster, user or context) and the file it came from.</summary>
    internal sealed class KubeconfigEntry
    {
        public KubeconfigEntry(string name, YamlMappingNode body, string file)
        {
            Name = name;
            Body = body;
            File = file;
        }

        public string Name { get; }

        public YamlMappingNode Body { get; }

        /// <summary>The kubeconfig file that defined the entry; relative paths in it are relative to its folder.</summary>
        public string File { get; }

        public string? Get(string key) =>
            Body.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar && !string.IsNullOrEmpty(scalar.Value) ? scalar.Value : null;

        public YamlNode? Node(string key) => Body.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

        /// <summary>A path from the entry, resolved against its file's folder as kubectl does.</summary>
        public string? Path(string key)
        {
            var value = Get(key);
            return value is null ? null : ResolvePath(value);
        }

        public string ResolvePath(string value) =>
            System.IO.Path.IsPathRooted(value) ? value : System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(File) ?? ".", value));

        /// <summary>The entry in a stable text form (keys sorted): changes whenever any field changes.</summary>
        public string Canonical() => Kubeconfig.Canonical(Body);
    }

    /// <summary>
    /// The merged kubeconfig as kubectl reads it: the files of <c>KUBECONFIG</c> in order (or <c>~/.kube/config</c>),
    /// the first file to define a cluster, user or context name wins, and current-context comes from the first file
    /// that sets it.
    /// </summary>
    internal sealed class Kubeconfig
    {
        private Kubeconfig()
        {
        }

        /// <summary>The files considered, in merge order, with a digest of each (or <c>&lt;missing&gt;</c>).</summary>
        public IReadOnlyList<string> Files { get; private set; } = Array.Empty<string>();

        /// <summary>Files that exist and were read.</summary>
        public IReadOnlyList<string> ReadFiles { get; private set; } = Array.Empty<string>();

        /// <summary>True when KUBECONFIG chose the files.</summary>
        public bool FromVariable { get; private set; }

        public string? CurrentContext { get; private set; }

        public Dictionary<string, KubeconfigEntry> Clusters { get; } = new Dictionary<string, KubeconfigEntry>(StringComparer.Ordinal);

        public Dictionary<string, KubeconfigEntry> Users { get; } = new Dictionary<string, KubeconfigEntry>(StringComparer.Ordinal);

        /// <summary>Contexts in the order they were first defined.</summary>
        public List<KubeconfigEntry> Contexts { get; } = new List<KubeconfigEntry>();

        /// <summary>Problems reading or parsing a file; such a file contributes nothing.</summary>
        public List<string> Problems { get; } = new List<string>();

        public KubeconfigEntry? Context(string name) => Contexts.FirstOrDefault(c => c.Name == name);

        public static IReadOnlyList<string> Paths(SkyEnvironment env)
        {
            var variable = env.Get("KUBECONFIG");
            if (variable is null)
            {
                return new[] { System.IO.Path.Combine(env.HomeDirectory, ".kube", "config") };
            }

            var separator = env.IsWindows ? ';' : ':';
            return variable.Split(separator).Where(p => p.Trim().Length > 0).Select(p => env.ExpandHome(p.Trim())).Distinct(StringComparer.Ordinal).ToList();
        }

        public static Kubeconfig Load(SkyEnvironment env)
        {
            var config = new Kubeconfig { FromVariable = env.Get("KUBECONFIG") != null };
            var files = new List<string>();
            var read = new List<string>();
            foreach (var path in Paths(env))
            {
                byte[]? content;
                try
                {
                    content = Internal.SmallFile.TryRead(path);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    config.Problems.Add("cannot read kubeconfig " + path + ": " + e.Message);
                    files.Add(path + "|<unreadable>");
                    continue;
                }

                files.Add(path + "|" + (content is null ? "<missing>" : Identity.FingerprintBuilder.Digest(content)));
                if (content is null)
                {
                    continue;
                }

                read.Add(path);
                config.Merge(path, content);
            }

            config.Files = files;
            config.ReadFiles = read;
            return config;
        }

        private void Merge(string path, byte[] content)
        {
            YamlMappingNode? root;
            try
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(Encoding.UTF8.GetString(content)));
                root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
            }
            catch (YamlException e)
            {
                Problems.Add("kubeconfig " + path + " is not valid YAML (line " + e.Start.Line + ", column " + e.Start.Column + ")");
                return;
            }

            if (root is null)
            {
                return;
            }

            if (CurrentContext is null && Scalar(root, "current-context") is string current)
            {
                CurrentContext = current;
            }

            foreach (var entry in Named(root, "clusters", "cluster", path))
            {
                if (!Clusters.ContainsKey(entry.Name))
                {
                    Clusters[entry.Name] = entry;
                }
            }

            foreach (var entry in Named(root, "users", "user", path))
            {
                if (!Users.ContainsKey(entry.Name))
                {
                    Users[entry.Name] = entry;
                }
            }

            foreach (var entry in Named(root, "contexts", "context", path))
            {
                if (Context(entry.Name) is null)
                {
                    Contexts.Add(entry);
                }
            }
        }

        private static IEnumerable<KubeconfigEntry> Named(YamlMappingNode root, string listKey, string bodyKey, string path)
        {
            if (!root.Children.TryGetValue(new YamlScalarNode(listKey), out var list) || !(list is YamlSequenceNode sequence))
            {
                yield break;
            }

            foreach (var item in sequence.Children.OfType<YamlMappingNode>())
            {
                var name = Scalar(item, "name");
                if (name is null)
                {
                    continue;
                }

                var body = item.Children.TryGetValue(new YamlScalarNode(bodyKey), out var node) && node is YamlMappingNode mapping ? mapping : new YamlMappingNode();
                yield return new KubeconfigEntry(name, body, path);
            }
        }

        private static string? Scalar(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar && !string.IsNullOrEmpty(scalar.Value) ? scalar.Value : null;

        /// <summary>A node as text with mapping keys sorted, so that reordering alone is not a change.</summary>
        internal static string Canonical(YamlNode? node)
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    return "{" + string.Join(",", mapping.Children
                        .Select(p => ((p.Key as YamlScalarNode)?.Value ?? string.Empty) + ":" + Canonical(p.Value))
                        .OrderBy(s => s, StringComparer.Ordinal)) + "}";
                case YamlSequenceNode sequence:
                    return "[" + string.Join(",", sequence.Children.Select(Canonical)) + "]";
                case YamlScalarNode scalar:
                    return "\"" + (scalar.Value ?? string.Empty).Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
                default:
                    return "null";
            }
        }
    }
}
