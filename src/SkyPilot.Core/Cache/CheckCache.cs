using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Cache
{
    /// <summary>
    /// The persistent check cache: one entry per (cloud, capability, identity fingerprint), shared by every process of the user.
    /// Reads are lock-free (writers replace the file atomically); writers merge under an exclusive lock file
    /// (<see cref="StateFile{T}"/>). A damaged or foreign file is reported as a warning and rebuilt; an entry with an
    /// unusable field is dropped with a warning while the rest is served; the cache never fails a check.
    /// </summary>
    public sealed class CheckCache
    {
        private readonly ISkyLog _log;
        private readonly StateFile<CacheFileModel> _file;
        private readonly Func<DateTimeOffset> _clock;

        /// <summary>The damage this instance (one invocation) already warned about: a check reads, then saves, and says it once.</summary>
        private string? _reportedProblem;

        public CheckCache(CacheSettings settings, ISkyLog log, Func<DateTimeOffset>? clock = null)
        {
            Settings = settings;
            _log = log;
            _file = new StateFile<CacheFileModel>(settings.FilePath, "check cache", CacheFileModel.FormatName, CacheFileModel.CurrentVersion, StateJson.Default.CacheFileModel, StoredEntry.Salvage);
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        public CacheSettings Settings { get; }

        public string FilePath => Settings.FilePath;

        /// <summary>Reads the cache file once. Never throws: a problem is logged as a warning and yields an empty snapshot.</summary>
        public CacheSnapshot Read()
        {
            var (stored, problem) = ReadStored();
            if (problem != null)
            {
                _log.Warning(problem + "; it is ignored, and replaced when a check next saves its result");
                _reportedProblem = problem;
            }

            var entries = stored.Select(s => CacheEntryMapper.FromStored(s, FilePath)).Where(e => e != null).Select(e => e!).ToList();
            return new CacheSnapshot(entries, problem);
        }

        /// <summary>Stores definitive results (allowed, missing permissions, API disabled, project not found); transient ones are not cached.</summary>
        public async Task StoreAsync(IEnumerable<CapabilityResult> results, CancellationToken cancellationToken)
        {
            var now = _clock();
            var fresh = results.Where(r => IsCacheable(r.Status) && r.Identity.IsUsable).ToList();
            if (fresh.Count == 0 || !Settings.Enabled)
            {
                return;
            }

            await UpdateAsync(
                stored =>
                {
                    var keys = new HashSet<string>(fresh.Select(r => Key(r.Cloud, r.Capability.ToString(), r.Identity.Fingerprint)), StringComparer.Ordinal);
                    var kept = stored.Where(s => s.ExpiresAt > now && !keys.Contains(Key(s.Cloud, s.Capability, s.Fingerprint)));
                    var added = fresh.Select(r => CacheEntryMapper.ToStored(r, ExpiryOf(r, now)));
                    return kept.Concat(added).OrderByDescending(s => s.CheckedAt).Take(Settings.MaxEntries).ToList();
                },
                cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Removes the entries that match and returns them.</summary>
        public async Task<IReadOnlyList<CacheEntry>> RemoveAsync(Func<CacheEntry, bool> match, CancellationToken cancellationToken)
        {
            var removed = new List<CacheEntry>();
            await UpdateAsync(
                stored =>
                {
                    removed.Clear();
                    var kept = new List<StoredEntry>();
                    foreach (var s in stored)
                    {
                        var entry = CacheEntryMapper.FromStored(s, FilePath);
                        if (entry != null && match(entry))
                        {
                            removed.Add(entry);
                        }
                        else
                        {
                            kept.Add(s);
                        }
                    }

                    return removed.Count == 0 ? null : kept;
                },
                cancellationToken).ConfigureAwait(false);
            return removed;
        }

        /// <summary>The TTL for the outcome, but never past the moment the credential itself is expected to expire.</summary>
        private DateTimeOffset ExpiryOf(CapabilityResult result, DateTimeOffset now)
        {
            var expiry = now + (result.Allowed ? Settings.AllowedTtl : Settings.DeniedTtl);
            var credentialExpiry = result.Identity.CredentialExpiresAt;
            return credentialExpiry.HasValue && credentialExpiry.Value < expiry ? credentialExpiry.Value : expiry;
        }

        private static bool IsCacheable(CheckStatus status) =>
            status == CheckStatus.Allowed || status == CheckStatus.MissingPermissions || status == CheckStatus.ApiDisabled || status == CheckStatus.ProjectNotFound;

        private static string Key(string cloud, string capability, string fingerprint) => cloud + "|" + capability + "|" + fingerprint;

        /// <summary>Under the lock: reads, applies <paramref name="change"/> (null = nothing to write), writes atomically.</summary>
        private async Task UpdateAsync(Func<List<StoredEntry>, List<StoredEntry>?> change, CancellationToken cancellationToken)
        {
            await _file.UpdateAsync(
                (model, problem) =>
                {
                    if (problem != null && problem != _reportedProblem)
                    {
                        _log.Warning(problem + "; rebuilding it");
                    }

                    var (stored, dropped) = Usable(model);
                    var updated = change(stored);
                    return updated != null || problem != null || dropped.Count > 0 ? ToModel(updated ?? stored) : null;
                },
                Settings.LockTimeout,
                _log,
                cancellationToken).ConfigureAwait(false);
        }

        private (List<StoredEntry> Entries, string? Problem) ReadStored()
        {
            var (model, problem) = _file.Read();
            if (problem != null)
            {
                return (new List<StoredEntry>(), problem);
            }

            var (entries, dropped) = Usable(model);
            if (dropped.Count > 0)
            {
                // The rest is served; the next update rewrites the file without them.
                _log.Warning("check cache " + FilePath + ": " + dropped.Count + (dropped.Count == 1 ? " entry was" : " entries were") + " dropped ("
                    + string.Join("; ", dropped.Take(3)) + (dropped.Count > 3 ? "; ..." : string.Empty) + "); the file is repaired on its next update");
            }

            return (entries, null);
        }

        /// <summary>The entries that can be used, and why each other one cannot.</summary>
        private static (List<StoredEntry> Entries, List<string> Dropped) Usable(CacheFileModel? model)
        {
            var entries = new List<StoredEntry>();
            var dropped = new List<string>();
            if (model?.Entries is null)
            {
                return (entries, dropped);
            }

            var lists = model.PermissionLists ?? new Dictionary<string, List<string>>();
            for (var i = 0; i < model.Entries.Count; i++)
            {
                var entry = model.Entries[i];
                var problem = entry is null ? "not an object" : entry.Problem();
                if (problem != null)
                {
                    dropped.Add("entry " + i + ": " + problem);
                    continue;
                }

                entry!.PermissionsTested = entry.TestedList != null && lists.TryGetValue(entry.TestedList, out var list) && list != null ? list : new List<string>();
                entries.Add(entry);
            }

            return (entries, dropped);
        }

        private static CacheFileModel ToModel(List<StoredEntry> entries)
        {
            var lists = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                var joined = string.Join(",", entry.PermissionsTested);
                if (!keys.TryGetValue(joined, out var key))
                {
                    key = keys[joined] = "p" + keys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    lists[key] = entry.PermissionsTested;
                }

                entry.TestedList = key;
            }

            return new CacheFileModel { PermissionLists = lists, Entries = entries };
        }
    }
}
