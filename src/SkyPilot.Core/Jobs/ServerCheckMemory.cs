using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// Per API server and cloud, the identity fingerprint the server's check last ran for
    /// (<c>~/.sky/powershell-server-checks.json</c>): SkyPilot's own cache has no identity, so a changed fingerprint means
    /// the server's view may be stale. Best effort.
    /// </summary>
    internal static class ServerCheckMemory
    {
        private const int MaxEntries = 200;

        public sealed class Entry
        {
            [JsonProperty("endpoint")]
            public string Endpoint { get; set; } = string.Empty;

            [JsonProperty("cloud")]
            public string Cloud { get; set; } = string.Empty;

            [JsonProperty("fingerprint")]
            public string Fingerprint { get; set; } = string.Empty;

            [JsonProperty("capabilities")]
            public List<string> Capabilities { get; set; } = new List<string>();

            [JsonProperty("at")]
            public DateTimeOffset At { get; set; }
        }

        public static Entry? Find(SkyEnvironment env, string endpoint, string cloud) =>
            Read(env).FirstOrDefault(e => e.Endpoint == endpoint && e.Cloud == cloud);

        public static void Remember(SkyEnvironment env, string endpoint, string cloud, string fingerprint, IEnumerable<string> capabilities)
        {
            var entry = new Entry { Endpoint = endpoint, Cloud = cloud, Fingerprint = fingerprint, Capabilities = capabilities.ToList(), At = DateTimeOffset.UtcNow };
            try
            {
                var kept = new[] { entry }.Concat(Read(env).Where(e => !(e.Endpoint == endpoint && e.Cloud == cloud))).Take(MaxEntries).ToList();
                OwnerOnlyFile.WriteAtomically(SkyStateDirectory.File(env, "powershell-server-checks.json"), JsonConvert.SerializeObject(kept));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }
        }

        private static IReadOnlyList<Entry> Read(SkyEnvironment env)
        {
            try
            {
                var path = SkyStateDirectory.File(env, "powershell-server-checks.json");
                return File.Exists(path) && new FileInfo(path).Length < 1024 * 1024
                    ? (JsonConvert.DeserializeObject<List<Entry>>(File.ReadAllText(path)) ?? new List<Entry>()).Where(e => e != null).ToList()
                    : (IReadOnlyList<Entry>)Array.Empty<Entry>();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is JsonException)
            {
                return Array.Empty<Entry>();
            }
        }
    }
}
