using System;
using System.Collections.Generic;
using System.Linq;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// The envs and secrets given at submission (<c>Submit-SkyJob -Env -EnvFile -Secret</c>), applied to every task of the
    /// file as <c>sky jobs launch --env --env-file --secret</c> applies them: task <c>envs</c>/<c>secrets</c> &lt; env file
    /// &lt; parameters. A task variable left without a value (<c>HF_TOKEN:</c> or <c>HF_TOKEN: null</c>) must be supplied, as
    /// SkyPilot requires; <c>HF_TOKEN: ""</c> is an empty value. Secret values are never part of a message.
    /// </summary>
    public sealed class TaskVariables
    {
        public static readonly TaskVariables None = new TaskVariables(new Dictionary<string, string>(), new Dictionary<string, string>());

        private readonly IReadOnlyDictionary<string, string> _envs;
        private readonly IReadOnlyDictionary<string, string> _secrets;

        private TaskVariables(IReadOnlyDictionary<string, string> envs, IReadOnlyDictionary<string, string> secrets)
        {
            _envs = envs;
            _secrets = secrets;
        }

        /// <summary>The names given, never a value: "envs A, B; secrets C".</summary>
        public string Describe() => _envs.Count + _secrets.Count == 0
            ? "no envs or secrets given"
            : "envs " + (_envs.Count == 0 ? "none" : string.Join(", ", _envs.Keys)) + "; secrets " + (_secrets.Count == 0 ? "none" : string.Join(", ", _secrets.Keys)) + " (values not shown)";

        /// <summary>The secret values, for redaction of anything shown to the user.</summary>
        public IEnumerable<string> SecretValues => _secrets.Values;

        /// <summary>
        /// Envs from <paramref name="envFile"/> overridden by <paramref name="envs"/>; secrets from <paramref name="secrets"/>,
        /// where a null value means "take it from this environment" (<c>--secret NAME</c>).
        /// </summary>
        public static TaskVariables Resolve(IEnumerable<KeyValuePair<string, string>>? envs, string? envFile, IEnumerable<KeyValuePair<string, string?>>? secrets, SkyEnvironment environment)
        {
            var merged = new Dictionary<string, string>(StringComparer.Ordinal);
            if (envFile != null)
            {
                foreach (var pair in DotEnvFile.Read(envFile))
                {
                    merged[pair.Key] = pair.Value;
                }
            }

            foreach (var pair in envs ?? Enumerable.Empty<KeyValuePair<string, string>>())
            {
                merged[pair.Key] = pair.Value;
            }

            var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in secrets ?? Enumerable.Empty<KeyValuePair<string, string?>>())
            {
                resolved[pair.Key] = pair.Value ?? environment.Get(pair.Key) ?? throw new TaskVariablesException(
                    "SecretNotInEnvironment",
                    "The secret " + pair.Key + " is not set in this environment.",
                    "Set $env:" + pair.Key + " first, or give the value: -Secret @{ " + pair.Key + " = (Read-Host -AsSecureString) }.",
                    pair.Key);
            }

            return new TaskVariables(merged, resolved);
        }

        /// <summary>
        /// The task file with these envs and secrets in every task; throws <see cref="TaskVariablesException"/> naming every
        /// variable the task leaves without a value that nothing supplied.
        /// </summary>
        public TaskFile ApplyTo(TaskFile file)
        {
            var missing = new List<string>();
            var tasks = file.Tasks.Select((task, index) => Apply(task, index, file.Tasks.Count, missing)).ToList();
            if (missing.Count > 0)
            {
                throw new TaskVariablesException(
                    "MissingTaskVariable",
                    file.Path + ": the task needs a value for " + string.Join(", ", missing) + ", and none was given.",
                    "Give envs with -Env @{ NAME = 'value' } or -EnvFile, secrets with -Secret NAME (taken from the environment) or -Secret @{ NAME = $secureString }; for an empty value write NAME: \"\" in the task.",
                    file.Path);
            }

            return new TaskFile { Path = file.Path, Name = file.Name, Tasks = tasks, PipelineHeader = file.PipelineHeader };
        }

        private SkyTask Apply(SkyTask task, int index, int count, List<string> missing)
        {
            var where = count > 1 ? ", task " + (index + 1) : string.Empty;
            var envs = Entries(task.Document, "envs");
            var secrets = Entries(task.Document, "secrets");
            foreach (var pair in _envs)
            {
                envs[pair.Key] = pair.Value;
            }

            foreach (var pair in _secrets)
            {
                secrets[pair.Key] = pair.Value;
                envs.Remove(pair.Key);
            }

            missing.AddRange(envs.Where(e => e.Value is null).Select(e => e.Key + " (envs" + where + ")"));
            missing.AddRange(secrets.Where(s => s.Value is null).Select(s => s.Key + " (secrets" + where + ")"));

            var document = new YamlMappingNode();
            foreach (var entry in task.Document.Children)
            {
                var key = (entry.Key as YamlScalarNode)?.Value;
                document.Add(entry.Key, key == "envs" ? Mapping(envs) : key == "secrets" ? Mapping(secrets) : entry.Value);
            }

            if (!task.Document.Children.ContainsKey(new YamlScalarNode("envs")) && envs.Count > 0)
            {
                document.Add("envs", Mapping(envs));
            }

            if (!task.Document.Children.ContainsKey(new YamlScalarNode("secrets")) && secrets.Count > 0)
            {
                document.Add("secrets", Mapping(secrets));
            }

            return new SkyTask
            {
                Name = task.Name,
                Workdir = task.Workdir,
                GitWorkdir = task.GitWorkdir,
                UnknownFields = task.UnknownFields,
                NumNodes = task.NumNodes,
                Resources = task.Resources,
                Envs = envs.ToDictionary(e => e.Key, e => e.Value ?? string.Empty),
                SecretNames = secrets.Keys.ToList(),
                FileMounts = task.FileMounts,
                Setup = task.Setup,
                Run = task.Run,
                Document = document,
            };
        }

        /// <summary>A task's <c>envs</c> or <c>secrets</c> in order, a value-less entry as null.</summary>
        private static Dictionary<string, string?> Entries(YamlMappingNode document, string key)
        {
            var entries = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (TaskParser.Node(document, key) is YamlMappingNode map)
            {
                foreach (var pair in map.Children)
                {
                    var scalar = pair.Value as YamlScalarNode;
                    entries[(pair.Key as YamlScalarNode)?.Value ?? string.Empty] = scalar is null || IsNull(scalar) ? null : scalar.Value ?? string.Empty;
                }
            }

            return entries;
        }

        private static bool IsNull(YamlScalarNode scalar) =>
            scalar.Style == ScalarStyle.Plain && (string.IsNullOrEmpty(scalar.Value) || scalar.Value == "~" || string.Equals(scalar.Value, "null", StringComparison.OrdinalIgnoreCase));

        private static YamlMappingNode Mapping(Dictionary<string, string?> entries)
        {
            var mapping = new YamlMappingNode();
            foreach (var pair in entries)
            {
                mapping.Add(new YamlScalarNode(pair.Key), pair.Value is null ? new YamlScalarNode("null") : new YamlScalarNode(pair.Value) { Style = ScalarStyle.DoubleQuoted });
            }

            return mapping;
        }
    }
}
