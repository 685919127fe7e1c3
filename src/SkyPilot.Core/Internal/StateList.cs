using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SkyPilot.Core.Internal
{
    /// <summary>
    /// A small state file that is a bounded list of entries, newest first (the job history, the pending launches, the
    /// server check memory), kept in a <see cref="StateFile{T}"/>: versioned, replaced atomically, owner-only, and
    /// updated under its lock so concurrent sessions lose nothing. Best effort for the caller: a missing, damaged or
    /// foreign file reads as empty, and an update that cannot be written is reported to the log and otherwise ignored.
    /// </summary>
    internal sealed class StateList<TEntry>
        where TEntry : class
    {
        private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(5);

        private readonly StateFile<Model> _file;
        private readonly int _maxEntries;

        /// <summary>A list in <paramref name="path"/> of at most <paramref name="maxEntries"/>, shaped as <paramref name="json"/> (from <see cref="StateJson"/>).</summary>
        public StateList(string path, string description, string format, int maxEntries, JsonTypeInfo<Model> json)
        {
            _file = new StateFile<Model>(path, description, format, 1, json);
            _maxEntries = maxEntries;
        }

        public string Path => _file.Path;

        public IReadOnlyList<TEntry> Read() => Entries(_file.Read().Value);

        /// <summary>Replaces the list with what <paramref name="change"/> makes of the current one (under the lock), keeping the first entries.</summary>
        public bool Update(Func<IReadOnlyList<TEntry>, IEnumerable<TEntry>> change, ISkyLog log)
        {
            return _file.UpdateAsync(
                (model, _) => new Model { Entries = change(Entries(model)).Take(_maxEntries).ToList() },
                LockTimeout,
                log,
                CancellationToken.None).GetAwaiter().GetResult();
        }

        private static IReadOnlyList<TEntry> Entries(Model? model) =>
            model?.Entries?.Where(e => e != null).ToList() ?? (IReadOnlyList<TEntry>)Array.Empty<TEntry>();

        internal sealed class Model : IVersionedState
        {
            [JsonPropertyName("format")]
            public string? Format { get; set; }

            [JsonPropertyName("version")]
            public int Version { get; set; }

            [JsonPropertyName("entries")]
            public List<TEntry>? Entries { get; set; }
        }
    }
}
