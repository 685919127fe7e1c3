using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// Launches whose outcome is unknown (<c>~/.sky/powershell-pending-launches.json</c>): the marker each carried, and a
    /// salted digest of the submission (endpoint, task as sent with its staged URIs, name, env and secrets) — never the
    /// content itself. Only the same submission run again looks its launch up; anything else launches anew.
    /// Best effort: an unreadable file only means no recovery; one that cannot be written is a warning.
    /// </summary>
    internal static class PendingLaunches
    {
        private const int MaxEntries = 50;
        private static readonly TimeSpan MaxAge = TimeSpan.FromDays(7);

        public sealed class Entry
        {
            [JsonPropertyName("endpoint")]
            public string Endpoint { get; set; } = string.Empty;

            [JsonPropertyName("salt")]
            public string Salt { get; set; } = string.Empty;

            [JsonPropertyName("digest")]
            public string Digest { get; set; } = string.Empty;

            [JsonPropertyName("marker")]
            public string Marker { get; set; } = string.Empty;

            [JsonPropertyName("requestId")]
            public string? RequestId { get; set; }

            [JsonPropertyName("at")]
            public DateTimeOffset At { get; set; }
        }

        public static string PathFor(SkyEnvironment env) => SkyStateDirectory.File(env, "powershell-pending-launches.json");

        public static Entry? Find(SkyEnvironment env, string endpoint, string submission) =>
            Live(File(env).Read()).FirstOrDefault(e => e.Endpoint == endpoint && e.Digest == Digest(e.Salt, submission));

        public static void Add(SkyEnvironment env, string endpoint, string submission, string marker, string? requestId, ISkyLog log)
        {
            var salt = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            var entry = new Entry { Endpoint = endpoint, Salt = salt, Digest = Digest(salt, submission), Marker = marker, RequestId = requestId, At = DateTimeOffset.UtcNow };
            File(env).Update(old => new[] { entry }.Concat(Live(old).Where(e => !(e.Endpoint == endpoint && e.Digest == Digest(e.Salt, submission)))), log);
        }

        public static void Remove(SkyEnvironment env, Entry entry, ISkyLog log) => File(env).Update(old => Live(old).Where(e => e.Marker != entry.Marker), log);

        private static IEnumerable<Entry> Live(IEnumerable<Entry> entries)
        {
            var cutoff = DateTimeOffset.UtcNow - MaxAge;
            return entries.Where(e => e.At > cutoff && e.Marker.Length > 0);
        }

        private static StateList<Entry> File(SkyEnvironment env) =>
            new StateList<Entry>(PathFor(env), "pending launch record", "skypilot-powershell/pending-launches", MaxEntries, StateJson.Default.PendingLaunchesFile);

        private static string Digest(string salt, string submission)
        {
            using (var sha = SHA256.Create())
            {
                var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(salt + "\n" + submission));
                return string.Concat(hash.Select(b => b.ToString("x2")));
            }
        }
    }
}
