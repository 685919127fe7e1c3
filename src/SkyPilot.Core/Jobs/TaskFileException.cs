using System;

namespace SkyPilot.Core.Jobs
{
    /// <summary>A task YAML that cannot be used: names the file, the line and the field.</summary>
    public sealed class TaskFileException : Exception
    {
        public TaskFileException(string path, long line, string? field, string problem, Exception? inner = null)
            : base(path + (line > 0 ? ":" + line : string.Empty) + ": " + (field is null ? string.Empty : "'" + field + "': ") + problem, inner)
        {
            Path = path;
            Line = line;
            Field = field;
            Problem = problem;
        }

        public string Path { get; }

        /// <summary>1-based line, or 0 when not known.</summary>
        public long Line { get; }

        public string? Field { get; }

        public string Problem { get; }
    }
}
