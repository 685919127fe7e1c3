using System;

namespace SkyPilot.Core.Jobs
{
    /// <summary>A task YAML that cannot be used: names the file, the line and the field.</summary>
    public sealed class TaskFileException : SkyException
    {
        public TaskFileException(string path, long line, string? field, string problem, Exception? inner = null, TaskFileProblem kind = TaskFileProblem.Invalid)
            : base(path + (line > 0 ? ":" + line : string.Empty) + ": " + (field is null ? string.Empty : "'" + field + "': ") + problem, inner)
        {
            FileProblem = kind;
            Path = path;
            Line = line;
            Field = field;
            Problem = problem;
        }

        public string Path { get; }

        public override object Target => Path;

        public override string ErrorId
        {
            get
            {
                switch (FileProblem)
                {
                    case TaskFileProblem.NotFound: return "TaskFileNotFound";
                    case TaskFileProblem.NotAFile: return "TaskFileNotAFile";
                    case TaskFileProblem.Unreadable: return "TaskFileUnreadable";
                    default: return "InvalidTaskFile";
                }
            }
        }

        public override SkyErrorKind Kind
        {
            get
            {
                switch (FileProblem)
                {
                    case TaskFileProblem.NotFound: return SkyErrorKind.NotFound;
                    case TaskFileProblem.NotAFile: return SkyErrorKind.InvalidArgument;
                    case TaskFileProblem.Unreadable: return SkyErrorKind.ReadFailed;
                    default: return SkyErrorKind.ParseError;
                }
            }
        }

        public override string Hint
        {
            get
            {
                switch (FileProblem)
                {
                    case TaskFileProblem.NotFound: return "Check the path: it is resolved against the current location (Get-Location); Get-ChildItem *.yaml lists the task files there.";
                    case TaskFileProblem.NotAFile: return "Give the task's YAML file, not its directory, e.g. Submit-SkyJob ./task.yaml.";
                    case TaskFileProblem.Unreadable: return "Check that the file can be read by this user.";
                    default:
                        var where = Field != null ? "the field '" + Field + "'" : Line > 0 ? "line " + Line : "the file";
                        return "Fix " + where + " as the message says, then run Submit-SkyJob again.";
                }
            }
        }

        /// <summary>1-based line, or 0 when not known.</summary>
        public long Line { get; }

        public string? Field { get; }

        public string Problem { get; }

        /// <summary>Whether the file is missing, not a file, unreadable, or read but invalid.</summary>
        public TaskFileProblem FileProblem { get; }
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
