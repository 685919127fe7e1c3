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
    /// Reads are lock-free (writers replace the file atomically); writers merge under an exclusive lock file.
    /// A damaged or foreign file is reported as a warning and rebuilt; the cache never fails a check.
    /// </summary>
    public sealed class CheckCache
    {
        private static readonly Random Jitter = new Random();
        private readonly ISkyLog _log;
        private readonly Func<DateTimeOffset> _clock;

        public CheckCache(CacheSettings settings, ISkyLog log, Func<DateTimeOffset>? clock = null)
        {
            Settings = settings;
            _log = log;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        public CacheSettings Settings { get; }

        public string FilePath => Settings.FilePath;

        private string LockPath => FilePath + ".lock";

        /// <summary>Reads the cache file once. Never throws: a problem is logged as a warning and yields an empty snapshot.</summary>
        public CacheSnapshot Read()
        {
            var (stored, problem) = ReadStored();
            if (problem != null)
            {
                _log.Warning(problem);
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
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                _log.Warning("check cache not updated: cannot create " + Path.GetDirectoryName(FilePath) + ": " + e.Message);
                return;
            }

            using (var lockHandle = await AcquireLockAsync(cancellationToken).ConfigureAwait(false))
            {
                if (lockHandle is null)
                {
                    return;
                }

                var (stored, problem) = ReadStored();
                if (problem != null)
                {
                    _log.Warning(problem + "; rebuilding it");
                }

                var updated = change(stored);
                if (updated != null || problem != null)
                {
                    Write(updated ?? stored);
                }
            }
        }

        private async Task<FileStream?> AcquireLockAsync(CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + Settings.LockTimeout;
            while (true)
            {
                try
                {
                    // FileShare.None is an exclusive lock across processes (flock on Unix, a share mode on Windows).
                    return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    int wait;
                    lock (Jitter)
                    {
                        wait = Jitter.Next(2, 15);
                    }

                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    _log.Warning("check cache not updated: could not lock " + LockPath + " within " + Settings.LockTimeout.TotalSeconds + " s (" + e.Message + ")");
                    return null;
                }
            }
        }

        private static readonly JsonSerializer Serializer = JsonSerializer.Create(new JsonSerializerSettings { DateParseHandling = DateParseHandling.None, NullValueHandling = NullValueHandling.Ignore });

        private (List<StoredEntry> Entries, string? Problem) ReadStored()
        {
            CacheFileModel? model;
            try
            {
                using (var stream = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 65536))
                {
                    if (stream.Length == 0)
                    {
                        return (new List<StoredEntry>(), null);
                    }

                    using (var reader = new JsonTextReader(new StreamReader(stream, Encoding.UTF8)))
                    {
                        model = Serializer.Deserialize<CacheFileModel>(reader);
                    }
                }
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return (new List<StoredEntry>(), null);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return (new List<StoredEntry>(), "check cache " + FilePath + " is unreadable (" + e.Message + ")");
            }
            catch (JsonException)
            {
                return (new List<StoredEntry>(), "check cache " + FilePath + " is damaged (not valid JSON)");
            }

            if (model is null || model.Format != CacheFileModel.FormatName || model.Entries is null)
            {
                return (new List<StoredEntry>(), "check cache " + FilePath + " is not a SkyPilot.PowerShell check cache");
            }

            if (model.Version != CacheFileModel.CurrentVersion)
            {
                return (new List<StoredEntry>(), "check cache " + FilePath + " has format version " + model.Version + ", this module reads version " + CacheFileModel.CurrentVersion);
            }

            var lists = model.PermissionLists ?? new Dictionary<string, List<string>>();
            var entries = model.Entries.Where(e => e != null).ToList();
            foreach (var entry in entries)
            {
                entry.PermissionsTested = entry.TestedList != null && lists.TryGetValue(entry.TestedList, out var list) ? list : new List<string>();
            }

            return (entries, null);
        }

        private void Write(List<StoredEntry> entries)
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

            var model = new CacheFileModel { Format = CacheFileModel.FormatName, Version = CacheFileModel.CurrentVersion, PermissionLists = lists, Entries = entries };
            try
            {
                // Streamed straight into the temp file; the cache holds no secrets, but owner-only does no harm.
                OwnerOnlyFile.WriteAtomically(FilePath, stream =>
                {
                    using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 16384, leaveOpen: true))
                    {
                        Serializer.Serialize(writer, model);
                    }
                });
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                _log.Warning("check cache not updated: cannot write " + FilePath + " (" + e.Message + ")");
            }
        }
    }
}
