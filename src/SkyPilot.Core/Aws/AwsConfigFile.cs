using System;
using System.Collections.Generic;
using System.IO;

namespace SkyPilot.Core.Aws
{
    /// <summary>
    /// The AWS CLI's INI dialect (botocore's <c>raw_config_parse</c>): <c>[section]</c>, <c>key = value</c>, and nested
    /// values — a key with an empty value followed by indented <c>sub = value</c> lines (the <c>services</c> sections), kept
    /// here as <c>key.sub</c>.
    /// </summary>
    internal sealed class AwsConfigFile
    {
        public static readonly AwsConfigFile Empty = new AwsConfigFile(string.Empty);

        private readonly Dictionary<string, Dictionary<string, string>> _sections =
            new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);

        private AwsConfigFile(string text)
        {
            Text = text;
        }

        /// <summary>The file's whole content, for fingerprinting.</summary>
        public string Text { get; }

        public static AwsConfigFile Parse(string text)
        {
            var file = new AwsConfigFile(text);
            Dictionary<string, string>? section = null;
            string? parentKey = null;
            using (var reader = new StringReader(text))
            {
                string? line;
                while ((line = reader.ReadLine()) != null)
                {
                    var trimmed = line.Trim();
                    if (trimmed.Length == 0 || trimmed[0] == '#' || trimmed[0] == ';')
                    {
                        continue;
                    }

                    if (trimmed[0] == '[' && trimmed[trimmed.Length - 1] == ']')
                    {
                        var name = string.Join(" ", trimmed.Substring(1, trimmed.Length - 2).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries));
                        if (!file._sections.TryGetValue(name, out section))
                        {
                            section = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                            file._sections[name] = section;
                        }

                        parentKey = null;
                        continue;
                    }

                    var separator = trimmed.IndexOf('=');
                    if (separator <= 0 || section is null)
                    {
                        continue;
                    }

                    var key = trimmed.Substring(0, separator).Trim();
                    var value = trimmed.Substring(separator + 1).Trim();
                    var indented = char.IsWhiteSpace(line[0]);
                    if (indented && parentKey != null)
                    {
                        section[parentKey + "." + key] = value;
                        continue;
                    }

                    section[key] = value;
                    parentKey = value.Length == 0 ? key : null;
                }
            }

            return file;
        }

        /// <summary>Reads and parses a file; <see cref="Empty"/> when it does not exist.</summary>
        public static AwsConfigFile Load(string path)
        {
            try
            {
                return Parse(File.ReadAllText(path));
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return Empty;
            }
        }

        public bool Exists => Text.Length > 0;

        public bool HasSection(string section) => _sections.ContainsKey(section);

        public string? Get(string section, string key) =>
            _sections.TryGetValue(section, out var values) && values.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

        /// <summary>Every key of a section, sorted, for fingerprinting (values included: callers hash them).</summary>
        public IEnumerable<KeyValuePair<string, string>> Section(string section)
        {
            if (!_sections.TryGetValue(section, out var values))
            {
                yield break;
            }

            var keys = new List<string>(values.Keys);
            keys.Sort(StringComparer.OrdinalIgnoreCase);
            foreach (var key in keys)
            {
                yield return new KeyValuePair<string, string>(key, values[key]);
            }
        }
    }
}
