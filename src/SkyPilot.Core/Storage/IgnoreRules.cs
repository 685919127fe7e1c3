using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace SkyPilot.Core.Storage
{
    /// <summary>
    /// The workdir's exclusions, as SkyPilot applies them: <c>.skyignore</c> when present, else <c>.gitignore</c>
    /// (gitignore syntax: <c>*</c>, <c>?</c>, <c>**</c>, a leading <c>/</c> anchors, a trailing <c>/</c> matches directories only,
    /// <c>!</c> re-includes, <c>#</c> comments). The <c>.git</c> directory is always excluded.
    /// </summary>
    internal sealed class IgnoreRules
    {
        private readonly List<(Regex Pattern, bool Negated, bool DirectoryOnly)> _rules = new List<(Regex, bool, bool)>();

        public string? Source { get; private set; }

        public static IgnoreRules ForDirectory(string root)
        {
            var rules = new IgnoreRules();
            foreach (var name in new[] { ".skyignore", ".gitignore" })
            {
                var path = Path.Combine(root, name);
                var bytes = Internal.SmallFile.TryRead(path, 4 * 1024 * 1024);
                if (bytes != null)
                {
                    rules.Source = path;
                    foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n'))
                    {
                        rules.Add(line.TrimEnd('\r'));
                    }

                    break;
                }
            }

            return rules;
        }

        /// <summary>True when the path (relative, '/'-separated) is excluded.</summary>
        public bool IsIgnored(string relativePath, bool isDirectory)
        {
            if (relativePath == ".git" || relativePath.StartsWith(".git/", StringComparison.Ordinal))
            {
                return true;
            }

            var ignored = false;
            foreach (var (pattern, negated, directoryOnly) in _rules)
            {
                if (directoryOnly && !isDirectory)
                {
                    continue;
                }

                if (pattern.IsMatch(relativePath))
                {
                    ignored = !negated;
                }
            }

            return ignored;
        }

        private void Add(string line)
        {
            var text = line.TrimEnd();
            if (text.Length == 0 || text.StartsWith("#", StringComparison.Ordinal))
            {
                return;
            }

            var negated = text.StartsWith("!", StringComparison.Ordinal);
            if (negated)
            {
                text = text.Substring(1);
            }

            var directoryOnly = text.EndsWith("/", StringComparison.Ordinal);
            text = text.TrimEnd('/');
            var anchored = text.StartsWith("/", StringComparison.Ordinal) || text.IndexOf('/') >= 0;
            text = text.TrimStart('/');
            if (text.Length == 0)
            {
                return;
            }

            var body = Translate(text);
            var regex = anchored ? "^" + body + "$" : "^(?:.*/)?" + body + "$";
            _rules.Add((new Regex(regex, RegexOptions.CultureInvariant), negated, directoryOnly));
        }

        private static string Translate(string glob)
        {
            var builder = new StringBuilder();
            for (var i = 0; i < glob.Length; i++)
            {
                var c = glob[i];
                if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
                {
                    var slash = i + 2 < glob.Length && glob[i + 2] == '/';
                    builder.Append(slash ? "(?:.*/)?" : ".*");
                    i += slash ? 2 : 1;
                }
                else if (c == '*')
                {
                    builder.Append("[^/]*");
                }
                else if (c == '?')
                {
                    builder.Append("[^/]");
                }
                else
                {
                    builder.Append(Regex.Escape(c.ToString()));
                }
            }

            return builder.ToString();
        }

        /// <summary>
        /// The files under <paramref name="root"/> that are not excluded, as (path to read, relative '/'-path), the way
        /// rsync -L stages a tree: a symbolic link to a file is staged as that file (its content and size are the
        /// target's, and the path to read is the target's, so plan, hash and upload agree); symbolic links to directories
        /// are not followed (a venv's lib64 -> lib, a loop -> ..); links whose target does not exist, loops of links,
        /// FIFOs, sockets and devices are never opened. Every entry not staged for one of these reasons (and not
        /// excluded by the rules anyway) is passed to <paramref name="skipped"/> with why.
        /// </summary>
        public IEnumerable<(string FullPath, string RelativePath)> Files(string root, Action<string, string>? skipped = null)
        {
            var pending = new Stack<string>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                var directory = pending.Pop();
                foreach (var entry in Directory.EnumerateFileSystemEntries(directory).OrderBy(e => e, StringComparer.Ordinal))
                {
                    var relative = entry.Substring(root.Length).TrimStart(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Replace('\\', '/');
                    var kind = Internal.FileEntry.Inspect(entry);
                    var isDirectory = kind == Internal.FileEntryKind.Directory || kind == Internal.FileEntryKind.LinkToDirectory;
                    if (kind == Internal.FileEntryKind.Missing || IsIgnored(relative, isDirectory))
                    {
                        continue;
                    }

                    switch (kind)
                    {
                        case Internal.FileEntryKind.Directory:
                            pending.Push(entry);
                            break;
                        case Internal.FileEntryKind.RegularFile:
                            yield return (entry, relative);
                            break;
                        case Internal.FileEntryKind.LinkToFile:
                            yield return (Internal.FileEntry.Resolve(entry), relative);
                            break;
                        default:
                            skipped?.Invoke(entry, Internal.FileEntry.Describe(kind));
                            break;
                    }
                }
            }
        }
    }
}
