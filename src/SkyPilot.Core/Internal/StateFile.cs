using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SkyPilot.Core.Internal
{
    /// <summary>The envelope every state file carries: which file it is and which version of its shape.</summary>
    internal interface IVersionedState
    {
        string? Format { get; set; }

        int Version { get; set; }
    }

    /// <summary>
    /// One of the module's own JSON state files (the check cache, the ADC account store, the job history). In one
    /// place: the file is versioned (a foreign or newer file is reported, not misread), replaced atomically and
    /// owner-only (<see cref="OwnerOnlyFile"/>), optionally updated under a lock that is held only to read, merge and
    /// replace (never across network calls), and temp files that a killed writer left behind are reclaimed on a later
    /// write. Readers take no lock: they see the old file or the new one.
    /// </summary>
    internal sealed class StateFile<T>
        where T : class, IVersionedState
    {
        /// <summary>A temp file of ours older than this was left by a writer that died; live writes take milliseconds.</summary>
        internal static readonly TimeSpan StaleTempAge = TimeSpan.FromSeconds(30);

        private static readonly ConcurrentDictionary<string, Batch> Batches = new ConcurrentDictionary<string, Batch>(StringComparer.Ordinal);

        private static bool _warmedUp;

        private readonly JsonTypeInfo<T> _json;

        private readonly Func<JsonElement, T?>? _salvage;

        /// <param name="path">The file.</param>
        /// <param name="description">What the file is, for messages.</param>
        /// <param name="format">The value of its <c>format</c> field.</param>
        /// <param name="version">The version of its shape this module reads and writes.</param>
        /// <param name="json">Its shape, from <see cref="StateJson"/>.</param>
        /// <param name="salvage">Called when the file is valid JSON but a field somewhere has the wrong shape: builds
        /// what is still usable from the parsed document (e.g. every entry but the bad one). Null: the file is damaged.</param>
        public StateFile(string path, string description, string format, int version, JsonTypeInfo<T> json, Func<JsonElement, T?>? salvage = null)
        {
            _salvage = salvage;
            _json = json;
            Path = path;
            Description = description;
            Format = format;
            Version = version;
        }

        public string Path { get; }

        /// <summary>What the file is, for messages: "check cache".</summary>
        public string Description { get; }

        public string Format { get; }

        public int Version { get; }

        public string LockPath => Path + ".lock";

        /// <summary>
        /// The file's content; (null, null) when it does not exist or is empty; (null, problem) when it cannot be used
        /// (unreadable, not JSON, another format or version).
        /// </summary>
        public (T? Value, string? Problem) Read()
        {
            T? value;
            try
            {
                using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 65536))
                {
                    if (stream.Length == 0)
                    {
                        return (null, null);
                    }

                    value = JsonSerializer.Deserialize(stream, _json);
                }
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return (null, null);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return (null, Description + " " + Path + " is unreadable (" + e.Message + ")");
            }
            catch (Exception e) when (IsShapeProblem(e))
            {
                value = Salvage(); // null when the text is not JSON at all
                if (value is null)
                {
                    return (null, Description + " " + Path + " is damaged (not valid JSON of its shape)");
                }
            }

            if (value is null || value.Format != Format)
            {
                return (null, Description + " " + Path + " is not a SkyPilot.PowerShell " + Description);
            }

            if (value.Version != Version)
            {
                return (null, Description + " " + Path + " has format version " + value.Version + ", this module reads version " + Version);
            }

            return (value, null);
        }

        private T? Salvage()
        {
            if (_salvage is null)
            {
                return null;
            }

            try
            {
                using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                using (var document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 32 }))
                {
                    return document.RootElement.ValueKind == JsonValueKind.Object ? _salvage(document.RootElement) : null;
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || IsShapeProblem(e))
            {
                return null;
            }
        }

        /// <summary>What reading JSON of the wrong shape throws (a JSON value of another kind, a number out of range).</summary>
        internal static bool IsShapeProblem(Exception e) =>
            e is JsonException || e is InvalidOperationException || e is ArgumentException || e is FormatException || e is OverflowException || e is NotSupportedException;

        /// <summary>Replaces the file with <paramref name="value"/> atomically (no lock), reclaiming stale temp files first.</summary>
        /// <exception cref="IOException">It could not be written.</exception>
        /// <exception cref="UnauthorizedAccessException">It could not be written.</exception>
        public void Write(T value)
        {
            value.Format = Format;
            value.Version = Version;
            OwnerOnlyFile.EnsureDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            OwnerOnlyFile.ReclaimStaleTemps(Path, StaleTempAge);
            OwnerOnlyFile.WriteAtomically(
                Path,
                stream =>
                {
                    JsonSerializer.Serialize(stream, value, _json);
                },
                durable: false);
        }

        /// <summary>
        /// Under the lock: reads the file, lets <paramref name="change"/> compute the new content from it (null = leave
        /// the file as it is; the problem, if any, says why the current content was not usable), and replaces it.
        /// <paramref name="change"/> must have no effect but its result: it may also be called once outside the lock.
        /// False, with a warning, when the lock was not had within <paramref name="lockTimeout"/> or the file could not
        /// be written; never throws for file-system trouble.
        /// </summary>
        public async Task<bool> UpdateAsync(Func<T?, string?, T?> change, TimeSpan lockTimeout, ISkyLog log, CancellationToken cancellationToken)
        {
            try
            {
                OwnerOnlyFile.EnsureDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                log.Warning(Description + " not updated: cannot create " + System.IO.Path.GetDirectoryName(Path) + ": " + e.Message);
                return false;
            }

            if (!_warmedUp)
            {
                // The first update in a process would otherwise compile the (de)serializer while holding the lock, and
                // under load that takes other processes' waits from milliseconds to seconds. Readers need no lock.
                _warmedUp = true;
                var (current, problem) = Read();
                if (problem is null && change(current, null) is T preview)
                {
                    JsonSerializer.Serialize(Stream.Null, preview, _json);
                }
            }

            // Group commit: updates from this process's runspaces that arrive while one is being written are applied
            // together in the next single lock-read-merge-replace, instead of each queueing for the lock file.
            var pending = new Pending(change, log);
            var batch = Batches.GetOrAdd(System.IO.Path.GetFullPath(Path), _ => new Batch());
            bool lead;
            lock (batch)
            {
                batch.Queue.Add(pending);
                lead = !batch.LeaderActive;
                batch.LeaderActive = true;
            }

            if (lead)
            {
                await LeadAsync(batch, lockTimeout, cancellationToken).ConfigureAwait(false);
            }

            return await pending.Done.Task.ConfigureAwait(false);
        }

        private async Task LeadAsync(Batch batch, TimeSpan lockTimeout, CancellationToken cancellationToken)
        {
            while (true)
            {
                List<Pending> work;
                lock (batch)
                {
                    work = new List<Pending>(batch.Queue);
                    batch.Queue.Clear();
                    if (work.Count == 0)
                    {
                        batch.LeaderActive = false;
                        return;
                    }
                }

                string? failure;
                try
                {
                    failure = await ApplyAsync(work, lockTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    failure = Description + " not updated: cancelled";
                }
                catch (Exception e)
                {
                    failure = Description + " not updated: " + e.Message;
                }

                foreach (var p in work)
                {
                    if (failure != null)
                    {
                        p.Log.Warning(failure);
                    }

                    p.Done.TrySetResult(failure is null);
                }
            }
        }

        /// <summary>One lock-read-merge-replace for every change in <paramref name="work"/>, in order. Null, or why it failed.</summary>
        private async Task<string?> ApplyAsync(List<Pending> work, TimeSpan lockTimeout, CancellationToken cancellationToken)
        {
            using (var fileLock = await AcquireFileLockAsync(DateTime.UtcNow + lockTimeout, cancellationToken).ConfigureAwait(false))
            {
                if (fileLock.Stream is null)
                {
                    return Description + " not updated: could not lock " + LockPath + " within " + lockTimeout.TotalSeconds + " s (" + fileLock.Error + ")";
                }

                var (current, problem) = Read();
                var changed = false;
                foreach (var p in work)
                {
                    var updated = p.Change(current, problem);
                    if (updated != null)
                    {
                        current = updated;
                        problem = null;
                        changed = true;
                    }
                }

                if (!changed)
                {
                    return null;
                }

                try
                {
                    Write(current!);
                    return null;
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    return Description + " not updated: cannot write " + Path + " (" + e.Message + ")";
                }
            }
        }

        private sealed class Pending
        {
            public Pending(Func<T?, string?, T?> change, ISkyLog log)
            {
                Change = change;
                Log = log;
            }

            public Func<T?, string?, T?> Change { get; }

            public ISkyLog Log { get; }

            public TaskCompletionSource<bool> Done { get; } = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        private sealed class Batch
        {
            public List<Pending> Queue { get; } = new List<Pending>();

            public bool LeaderActive { get; set; }
        }

        private sealed class FileLock : IDisposable
        {
            public FileLock(FileStream? stream, string? error)
            {
                Stream = stream;
                Error = error;
            }

            public FileStream? Stream { get; }

            public string? Error { get; }

            public void Dispose() => Stream?.Dispose();
        }

        private async Task<FileLock> AcquireFileLockAsync(DateTime deadline, CancellationToken cancellationToken)
        {
            var wait = 1;
            while (true)
            {
                try
                {
                    // FileShare.None is an exclusive lock across processes (flock on Unix, a share mode on Windows).
                    return new FileLock(new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1), null);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    // Short, growing waits: a holder keeps the lock for a few milliseconds.
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    wait = Math.Min(wait * 2, 8);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    return new FileLock(null, e.Message);
                }
            }
        }
    }
}
