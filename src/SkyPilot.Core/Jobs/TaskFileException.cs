using System;

namespace SkyPilot.Core.Jobs
{
    /// <summary>A task YAML that cannot be used: names the file, the line and the field.</summary>
    public sealed class TaskFileException : Exception
    {
        public TaskFileException(string path, long line, string? field, string problem, Exception? inner = null, TaskFileProblem kind = TaskFileProblem.Invalid)
            : base(path + (line > 0 ? ":" + line : string.Empty) + ": " + (field is null ? string.Empty : "'" + field + "': ") + problem, inner)
        {
            Kind = kind;
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

        /// <summary>Whether the file is missing, not a file, unreadable, or read but invalid.</summary>
        public TaskFileProblem Kind { get; }
    }

    /// <summary>What is wrong with a task file.</summary>
    public enum TaskFileProblem
    {
        /// <summary>Read, but not a valid task (YAML or a field).</summary>
        Invalid,

        /// <summary>No file at the path.</summary>
        NotFound,

        /// <summary>The path is a directory.</summary>
        NotAFile,

        /// <summary>The file exists but cannot be read.</summary>
        Unreadable,
    }
}
