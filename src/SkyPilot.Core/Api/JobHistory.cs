using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Api
{
    /// <summary>
    /// The managed jobs this user last saw (<c>~/.sky/powershell-jobs.json</c>), so <c>-JobId</c> can complete offline.
    /// Best effort: a damaged or unwritable file only means no completion (nothing is reported).
    /// </summary>
    public static class JobHistory
    {
        private const int MaxJobs = 200;

        public sealed class Entry
        {
            [JsonPropertyName("jobId")]
            public long JobId { get; set; }

            [JsonPropertyName("name")]
            public string? Name { get; set; }

            [JsonPropertyName("status")]
            public string? Status { get; set; }

            [JsonPropertyName("endpoint")]
            public string? Endpoint { get; set; }
        }

        public static string PathFor(SkyEnvironment env)
        {
            return SkyStateDirectory.File(env, "powershell-jobs.json");
        }

        public static IReadOnlyList<Entry> Read(SkyEnvironment env) => File(env).Read();

        public static void Remember(SkyEnvironment env, IEnumerable<ManagedJob> jobs)
        {
            var seen = jobs.Select(j => new Entry { JobId = j.JobId, Name = j.Name, Status = j.Status, Endpoint = j.Endpoint }).ToList();
            File(env).Update(old => seen.Concat(old.Where(o => !seen.Any(s => s.JobId == o.JobId && s.Endpoint == o.Endpoint))), NullSkyLog.Instance);
        }

        private static StateList<Entry> File(SkyEnvironment env) =>
            new StateList<Entry>(PathFor(env), "job history", "skypilot-powershell/job-history", MaxJobs, StateJson.Default.JobHistoryFile);
    }
}
