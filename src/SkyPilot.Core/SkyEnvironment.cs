using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace SkyPilot.Core
{
    /// <summary>
    /// A snapshot of the environment variables and home directory the module reads its configuration from.
    /// Cmdlets use <see cref="FromProcess"/>; C# callers may build one from any dictionary.
    /// </summary>
    public sealed class SkyEnvironment
    {
        private readonly Dictionary<string, string> _variables;

        public SkyEnvironment(IEnumerable<KeyValuePair<string, string>> variables, string? homeDirectory = null, bool? isWindows = null)
        {
            IsWindows = isWindows ?? RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            _variables = new Dictionary<string, string>(IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            foreach (var pair in variables)
            {
                _variables[pair.Key] = pair.Value;
            }

            // On Windows, SkyPilot, gcloud, the Nebius and AWS CLIs use the profile folder even when a shell sets HOME.
            HomeDirectory = homeDirectory
                ?? (IsWindows ? Get("USERPROFILE") ?? Get("HOME") : Get("HOME") ?? Get("USERPROFILE"))
                ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Lazy<object>> _once = new System.Collections.Concurrent.ConcurrentDictionary<Type, Lazy<object>>();
        private Config.SkySettings? _settings;

        public bool IsWindows { get; }

        /// <summary>The numeric settings of this snapshot, parsed once (see <see cref="Config.SkySettings"/>).</summary>
        internal Config.SkySettings Settings => LazyInitializer.EnsureInitialized(ref _settings, () => Config.SkySettings.Parse(this))!;

        /// <summary>
        /// What <paramref name="read"/> reads from this snapshot's files, read once per snapshot and type (the SkyPilot
        /// config, a cloud's resolution): a cmdlet invocation builds one snapshot, so everything it checks and then uses
        /// comes from one reading.
        /// </summary>
        internal T Once<T>(Func<SkyEnvironment, T> read)
            where T : class => (T)_once.GetOrAdd(typeof(T), _ => new Lazy<object>(() => read(this))).Value;

        /// <summary>The user's home directory: HOME on Unix, USERPROFILE on Windows.</summary>
        public string HomeDirectory { get; }

        /// <summary>A copy of every variable, for a child process that runs in this environment (an exec credential plugin).</summary>
        internal Dictionary<string, string> CopyVariables() => new Dictionary<string, string>(_variables, _variables.Comparer);

        /// <summary>The current process environment.</summary>
        public static SkyEnvironment FromProcess()
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                pairs.Add(new KeyValuePair<string, string>((string)entry.Key, (string?)entry.Value ?? string.Empty));
            }

            return new SkyEnvironment(pairs);
        }

        /// <summary>The variable's value, or null when it is unset or empty.</summary>
        public string? Get(string name)
        {
            return _variables.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
        }

        /// <summary>Variables whose names start with <paramref name="prefix"/>, sorted by name.</summary>
        public IEnumerable<KeyValuePair<string, string>> WithPrefix(string prefix)
        {
            var comparison = IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            return _variables.Where(p => p.Key.StartsWith(prefix, comparison) && p.Value.Length > 0)
                .OrderBy(p => p.Key, StringComparer.Ordinal);
        }

        /// <summary>A copy with some variables set (a null value removes the variable).</summary>
        public SkyEnvironment With(params (string Name, string? Value)[] changes)
        {
            var copy = new Dictionary<string, string>(_variables, _variables.Comparer);
            foreach (var (name, value) in changes)
            {
                if (value is null)
                {
                    copy.Remove(name);
                }
                else
                {
                    copy[name] = value;
                }
            }

            return new SkyEnvironment(copy, HomeDirectory, IsWindows);
        }

        /// <summary>Expands a leading ~ to the home directory.</summary>
        public string ExpandHome(string path)
        {
            if (path == "~")
            {
                return HomeDirectory;
            }

            if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
            {
                return Path.Combine(HomeDirectory, path.Substring(2));
            }

            return path;
        }
    }
}
