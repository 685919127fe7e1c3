using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;
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
            [JsonPropertyName("endpoint")]
            public string Endpoint { get; set; } = string.Empty;

            [JsonPropertyName("cloud")]
            public string Cloud { get; set; } = string.Empty;

            [JsonPropertyName("fingerprint")]
            public string Fingerprint { get; set; } = string.Empty;

            [JsonPropertyName("capabilities")]
            public List<string> Capabilities { get; set; } = new List<string>();

            [JsonPropertyName("at")]
            public DateTimeOffset At { get; set; }
        }

        public static Entry? Find(SkyEnvironment env, string endpoint, string cloud) =>
            File(env).Read().FirstOrDefault(e => e.Endpoint == endpoint && e.Cloud == cloud);

        public static void Remember(SkyEnvironment env, string endpoint, string cloud, string fingerprint, IEnumerable<string> capabilities)
        {
            var entry = new Entry { Endpoint = endpoint, Cloud = cloud, Fingerprint = fingerprint, Capabilities = capabilities.ToList(), At = DateTimeOffset.UtcNow };
            File(env).Update(old => new[] { entry }.Concat(old.Where(e => !(e.Endpoint == endpoint && e.Cloud == cloud))), NullSkyLog.Instance);
        }

        private static StateList<Entry> File(SkyEnvironment env) =>
            new StateList<Entry>(SkyStateDirectory.File(env, "powershell-server-checks.json"), "server check memory", "skypilot-powershell/server-checks", MaxEntries, StateJson.Default.ServerCheckMemoryFile);
    }
}
