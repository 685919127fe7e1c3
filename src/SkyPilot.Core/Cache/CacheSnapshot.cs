using System;
using System.Collections.Generic;
using System.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Cache
{
    /// <summary>The cache file's entries as read once; lookups validate every entry against the current identity.</summary>
    public sealed class CacheSnapshot
    {
        internal CacheSnapshot(IReadOnlyList<CacheEntry> entries, string? problem)
        {
            Entries = entries;
            Problem = problem;
        }

        public IReadOnlyList<CacheEntry> Entries { get; }

        /// <summary>Set when the file could not be used (corrupt, foreign, unreadable); the snapshot is then empty.</summary>
        public string? Problem { get; }

        /// <summary>A result for this identity that may be served now, or null.</summary>
        public CapabilityResult? Find(CloudIdentity identity, Capability capability, DateTimeOffset now)
        {
            if (!identity.IsUsable)
            {
                return null;
            }

            var entry = Entries.FirstOrDefault(e => e.Cloud == identity.Cloud && e.Capability == capability && e.Fingerprint == identity.Fingerprint);
            return entry is null || CacheValidity.WhyInvalid(entry, identity, now) != null ? null : entry.Result;
        }

        /// <summary>Every entry with <see cref="CacheEntry.IsValid"/> and <see cref="CacheEntry.InvalidReason"/> set for now.</summary>
        public IReadOnlyList<CacheEntry> Validate(Func<string, CloudIdentity?> currentIdentity, DateTimeOffset now)
        {
            var identities = new Dictionary<string, CloudIdentity?>(StringComparer.Ordinal);
            return Entries.Select(entry =>
            {
                if (!identities.TryGetValue(entry.Cloud, out var current))
                {
                    current = identities[entry.Cloud] = currentIdentity(entry.Cloud);
                }

                var why = current is null ? "cloud no longer supported" : CacheValidity.WhyInvalid(entry, current, now);
                return entry.WithValidity(why is null, why);
            }).ToList();
        }
    }
}
