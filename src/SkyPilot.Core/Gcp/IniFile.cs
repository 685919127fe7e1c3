using System;
using System.Collections.Generic;
using System.IO;

namespace SkyPilot.Core.Gcp
{
    /// <summary>The INI dialect gcloud writes its properties in: <c>[section]</c> and <c>key = value</c> lines.</summary>
    internal sealed class IniFile
    {
        private readonly Dictionary<string, Dictionary<string, string>> _sections =
            new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);

        public static readonly IniFile Empty = new IniFile();

        public static IniFile Parse(string text)
        {
            var ini = new IniFile();
            Dictionary<string, string>? section = null;
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
                        var name = trimmed.Substring(1, trimmed.Length - 2).Trim();
                        if (!ini._sections.TryGetValue(name, out section))
                        {
                            section = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                            ini._sections[name] = section;
                        }

                        continue;
                    }

                    var separator = trimmed.IndexOfAny(new[] { '=', ':' });
                    if (separator <= 0 || section is null)
                    {
                        continue;
                    }

                    section[trimmed.Substring(0, separator).Trim()] = trimmed.Substring(separator + 1).Trim();
                }
            }

            return ini;
        }

        public bool HasSection(string section) => _sections.ContainsKey(section);

        public string? Get(string section, string key)
        {
            return _sections.TryGetValue(section, out var values) && values.TryGetValue(key, out var value) && value.Length > 0
                ? value
                : null;
        }
    }
}
