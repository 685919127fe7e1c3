using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Api
{
    /// <summary>
    /// The managed jobs this user last saw (<c>~/.sky/powershell-jobs.json</c>), so <c>-JobId</c> can complete offline.
    /// Best effort: a damaged or unwritable file only means no completion.
    /// </summary>
    public static class JobHistory
    {
        private const int MaxJobs = 200;

        public sealed class Entry
        {
            [JsonProperty("jobId")]
            public long JobId { get; set; }

            [JsonProperty("name")]
            public string? Name { get; set; }

            [JsonProperty("status")]
            public string? Status { get; set; }

            [JsonProperty("endpoint")]
            public string? Endpoint { get; set; }
        }

        public static string PathFor(SkyEnvironment env)
        {
            return SkyStateDirectory.File(env, "powershell-jobs.json");
        }

        public static IReadOnlyList<Entry> Read(SkyEnvironment env)
        {
            try
            {
                return JsonConvert.DeserializeObject<List<Entry>>(File.ReadAllText(PathFor(env))) ?? new List<Entry>();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is JsonException)
            {
                return Array.Empty<Entry>();
            }
        }

        public static void Remember(SkyEnvironment env, IEnumerable<ManagedJob> jobs)
        {
            try
            {
                var seen = jobs.Select(j => new Entry { JobId = j.JobId, Name = j.Name, Status = j.Status, Endpoint = j.Endpoint }).ToList();
                var merged = seen.Concat(Read(env).Where(old => !seen.Any(s => s.JobId == old.JobId && s.Endpoint == old.Endpoint)))
                    .Take(MaxJobs).ToList();
                OwnerOnlyFile.WriteAtomically(PathFor(env), JsonConvert.SerializeObject(merged));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }
        }
    }
}
