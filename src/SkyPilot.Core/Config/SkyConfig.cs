using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SkyPilot.Core.Config
{
    /// <summary>
    /// The parts of SkyPilot's user config (<c>~/.sky/config.yaml</c>, or <c>SKYPILOT_CONFIG</c>) this module reads.
    /// </summary>
    public sealed class SkyConfig
    {
        public static readonly SkyConfig Empty = new SkyConfig(null, null, null);

        private readonly YamlMappingNode? _root;

        private SkyConfig(string? path, byte[]? content, YamlMappingNode? root)
        {
            Path = path;
            Content = content;
            _root = root;
        }

        public string? Path { get; }

        internal byte[]? Content { get; }

        /// <summary>Set when the file exists but could not be read or parsed; the config then counts as empty.</summary>
        public string? Warning { get; private set; }

        /// <summary>What is wrong with the file (the problem alone, without the ignoring); null when it was read.</summary>
        public string? Problem { get; private set; }

        /// <summary>The line of <see cref="Problem"/>, when the parser named one.</summary>
        public long? ProblemLine { get; private set; }

        /// <summary>
        /// The config for commands that act on it (the job cmdlets): a file that exists but cannot be read or parsed is
        /// an error, never an empty config, so nothing goes anywhere the user did not configure.
        /// </summary>
        /// <exception cref="SkyConfigException">The file exists but cannot be read or parsed.</exception>
        public static SkyConfig LoadStrict(SkyEnvironment env)
        {
            var config = Load(env);
            if (config.Problem != null)
            {
                throw new SkyConfigException(config.Path!, config.ProblemLine, config.Problem);
            }

            return config;
        }

        public static string DefaultPath(SkyEnvironment env)
        {
            var overridden = env.Get("SKYPILOT_CONFIG");
            return overridden != null ? env.ExpandHome(overridden) : System.IO.Path.Combine(env.HomeDirectory, ".sky", "config.yaml");
        }

        /// <summary>The config of this environment snapshot: read on first use, then the same for the whole invocation.</summary>
        public static SkyConfig Load(SkyEnvironment env) => env.Once(Read);

        private static SkyConfig Read(SkyEnvironment env)
        {
            var path = DefaultPath(env);
            byte[]? content;
            try
            {
                content = Internal.SmallFile.TryRead(path, Internal.BoundedYaml.MaxLength);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return new SkyConfig(path, null, null)
                {
                    Warning = "cannot read SkyPilot config " + path + ": " + e.Message + "; ignoring it",
                    Problem = "cannot read " + path + ": " + e.Message,
                };
            }

            if (content is null || content.Length == 0)
            {
                return new SkyConfig(path, content, null);
            }

            try
            {
                var stream = Internal.BoundedYaml.Load(Encoding.UTF8.GetString(content));
                var root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
                return new SkyConfig(path, content, root);
            }
            catch (YamlException e)
            {
                var what = YamlProblem(e);
                return new SkyConfig(path, content, null)
                {
                    Warning = "SkyPilot config " + path + " is not valid YAML (line " + e.Start.Line + ", column " + e.Start.Column + ": " + what + "); ignoring it",
                    Problem = path + ":" + e.Start.Line + ":" + e.Start.Column + ": not valid YAML: " + what,
                    ProblemLine = e.Start.Line,
                };
            }
        }

        /// <summary>YamlDotNet's message without its position prefix (the caller names file, line and column).</summary>
        private static string YamlProblem(YamlException e)
        {
            var message = e.Message;
            var end = message.IndexOf("): ", StringComparison.Ordinal);
            return message.StartsWith("(Line", StringComparison.Ordinal) && end > 0 ? message.Substring(end + 3) : message;
        }

        /// <summary>The config as JSON (scalars as strings), without the given top-level sections; null when empty.</summary>
        public Newtonsoft.Json.Linq.JObject? ToJson(params string[] withoutSections)
        {
            if (_root is null || _root.Children.Count == 0)
            {
                return null;
            }

            var json = (Newtonsoft.Json.Linq.JObject)ToToken(_root);
            foreach (var section in withoutSections)
            {
                json.Remove(section);
            }

            return json.Count == 0 ? null : json;
        }

        private static Newtonsoft.Json.Linq.JToken ToToken(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    var obj = new Newtonsoft.Json.Linq.JObject();
                    foreach (var pair in mapping.Children)
                    {
                        obj[(pair.Key as YamlScalarNode)?.Value ?? string.Empty] = ToToken(pair.Value);
                    }

                    return obj;
                case YamlSequenceNode sequence:
                    return new Newtonsoft.Json.Linq.JArray(sequence.Children.Select(ToToken));
                case YamlScalarNode scalar:
                    return ScalarToken(scalar);
                default:
                    return Newtonsoft.Json.Linq.JValue.CreateNull();
            }
        }

        /// <summary>YAML's plain scalars become JSON booleans, numbers and nulls where they look like them.</summary>
        private static Newtonsoft.Json.Linq.JToken ScalarToken(YamlScalarNode scalar)
        {
            var value = scalar.Value;
            if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain || value is null)
            {
                return new Newtonsoft.Json.Linq.JValue(value);
            }

            if (value == "null" || value == "~" || value.Length == 0)
            {
                return Newtonsoft.Json.Linq.JValue.CreateNull();
            }

            if (value == "true" || value == "false")
            {
                return new Newtonsoft.Json.Linq.JValue(value == "true");
            }

            if (long.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var integer))
            {
                return new Newtonsoft.Json.Linq.JValue(integer);
            }

            return double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
                ? new Newtonsoft.Json.Linq.JValue(number)
                : new Newtonsoft.Json.Linq.JValue(value);
        }

        /// <summary>A scalar at a dotted path such as <c>gcp.vpc_name</c>, or null.</summary>
        public string? GetString(string dottedPath)
        {
            return Find(dottedPath) is YamlScalarNode scalar && !string.IsNullOrEmpty(scalar.Value) ? scalar.Value : null;
        }

        /// <summary>
        /// The strings of a list at a path given key by key (keys may contain dots, e.g. workspace names); a single
        /// scalar counts as a one-item list; null when the path is absent or holds something else.
        /// </summary>
        public IReadOnlyList<string>? GetStringList(params string[] keys)
        {
            switch (Find(keys))
            {
                case YamlSequenceNode sequence:
                    return sequence.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).Where(s => s.Length > 0).ToList();
                case YamlScalarNode scalar when !string.IsNullOrEmpty(scalar.Value) && scalar.Value != "null" && scalar.Value != "~":
                    return new[] { scalar.Value! };
                default:
                    return null;
            }
        }

        /// <summary>True when the path holds a non-empty value (scalar, list or mapping).</summary>
        public bool HasValue(string dottedPath)
        {
            switch (Find(dottedPath))
            {
                case YamlScalarNode scalar:
                    return !string.IsNullOrEmpty(scalar.Value) && scalar.Value != "null" && scalar.Value != "~";
                case YamlSequenceNode sequence:
                    return sequence.Children.Count > 0;
                case YamlMappingNode mapping:
                    return mapping.Children.Count > 0;
                default:
                    return false;
            }
        }

        private YamlNode? Find(string dottedPath) => Find(dottedPath.Split('.'));

        private YamlNode? Find(string[] keys)
        {
            YamlNode? node = _root;
            foreach (var part in keys)
            {
                if (!(node is YamlMappingNode mapping) || !mapping.Children.TryGetValue(new YamlScalarNode(part), out node))
                {
                    return null;
                }
            }

            return node;
        }
    }
}
