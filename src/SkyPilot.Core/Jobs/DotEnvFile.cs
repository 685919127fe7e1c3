using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// Reads a dotenv file as <c>sky jobs launch --env-file</c> does (python-dotenv): <c>KEY=VALUE</c> lines, an optional
    /// <c>export </c> prefix, <c>#</c> comments, values in single quotes taken literally, in double quotes with
    /// <c>\n</c>, <c>\"</c> and <c>\\</c> escapes; a later line wins. A line without <c>=</c> is an error naming its line.
    /// </summary>
    public static class DotEnvFile
    {
        private static readonly Regex Key = new Regex("^[A-Za-z_][A-Za-z0-9_.-]*$", RegexOptions.CultureInvariant);

        public static IReadOnlyDictionary<string, string> Read(string path)
        {
            string text;
            try
            {
                text = Internal.SmallFile.ReadText(path, Internal.BoundedYaml.MaxLength);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                var missing = e is FileNotFoundException || e is DirectoryNotFoundException;
                throw new TaskVariablesException("InvalidEnvFile", "The env file " + path + (missing ? " does not exist." : " cannot be read: " + e.Message), "Check the path given to -EnvFile; it is resolved against the current location.", path, missing);
            }

            return Parse(text, path);
        }

        public static IReadOnlyDictionary<string, string> Parse(string text, string path)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var lines = text.Replace("\r\n", "\n").Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                if (line.StartsWith("export ", StringComparison.Ordinal))
                {
                    line = line.Substring(7).TrimStart();
                }

                var equals = line.IndexOf('=');
                var key = equals < 0 ? line : line.Substring(0, equals).Trim();
                if (equals < 0 || !Key.IsMatch(key))
                {
                    // Never echo the line: it may hold a value meant to stay private.
                    throw new TaskVariablesException("InvalidEnvFile", path + ":" + (i + 1) + ": not a KEY=VALUE line" + (equals < 0 ? " (no '=')" : " (the name is not a valid variable name)") + ".", "Write each variable as NAME=value; lines starting with # are comments.", path);
                }

                values[key] = Value(line.Substring(equals + 1).Trim());
            }

            return values;
        }

        private static string Value(string raw)
        {
            if (raw.Length >= 2 && raw[0] == '\'' && raw.IndexOf('\'', 1) is var close && close > 0)
            {
                return raw.Substring(1, close - 1);
            }

            if (raw.Length >= 2 && raw[0] == '"')
            {
                var value = new StringBuilder();
                for (var i = 1; i < raw.Length; i++)
                {
                    var c = raw[i];
                    if (c == '"')
                    {
                        return value.ToString();
                    }

                    if (c == '\\' && i + 1 < raw.Length)
                    {
                        var next = raw[++i];
                        value.Append(next == 'n' ? '\n' : next == 't' ? '\t' : next);
                        continue;
                    }

                    value.Append(c);
                }
            }

            var comment = raw.IndexOf(" #", StringComparison.Ordinal);
            return (comment < 0 ? raw : raw.Substring(0, comment)).TrimEnd();
        }
    }
}
