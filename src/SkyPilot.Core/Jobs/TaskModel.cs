using System;
using System.Collections.Generic;
using System.Linq;
using YamlDotNet.RepresentationModel;

namespace SkyPilot.Core.Jobs
{
    /// <summary>One candidate set of resources (a task's <c>resources</c>, or one entry of <c>any_of</c>/<c>ordered</c>).</summary>
    public sealed class TaskResources
    {
        /// <summary>Canonical cloud name (<c>gcp</c>, <c>nebius</c>, <c>kubernetes</c>, ...), or null when none is named.</summary>
        public string? Cloud { get; init; }

        public string? Region { get; init; }

        public string? Zone { get; init; }

        public string? Accelerators { get; init; }

        public string? Cpus { get; init; }

        public string? Memory { get; init; }

        public bool UseSpot { get; init; }
    }

    public enum FileMountKind
    {
        /// <summary><c>/remote: ./local</c>.</summary>
        LocalPath,

        /// <summary><c>/remote: gs://bucket/path</c> (or another cloud URI).</summary>
        CloudUri,

        /// <summary><c>/remote: {name, source, store, mode}</c>.</summary>
        StorageObject,
    }

    /// <summary>One entry of <c>file_mounts</c>.</summary>
    public sealed class FileMount
    {
        public string RemotePath { get; init; } = string.Empty;

        public FileMountKind Kind { get; init; }

        /// <summary>The local path (resolved), the cloud URI, or the storage object's source.</summary>
        public string? Source { get; init; }

        /// <summary>For storage objects: <c>gcs</c>, <c>s3</c>, ...</summary>
        public string? Store { get; init; }

        public string? Mode { get; init; }

        public string? StorageName { get; init; }

        public long Line { get; init; }

        /// <summary>True when the source is a local directory (false for a local file).</summary>
        public bool IsDirectory { get; init; }
    }

    /// <summary>A top-level task field this module does not know, with the known field it is most likely a typo of.</summary>
    public sealed record UnknownTaskField(string Name, long Line, string? DidYouMean)
    {
        public override string ToString() => "'" + Name + "' (line " + Line + ")" + (DidYouMean is null ? string.Empty : ": did you mean '" + DidYouMean + "'?");
    }

    /// <summary>One task of a task file (a pipeline has several).</summary>
    public sealed class SkyTask
    {
        public string? Name { get; init; }

        /// <summary>The workdir, resolved to a full local path.</summary>
        public string? Workdir { get; init; }

        /// <summary>A workdir given as a git repository (<c>url@ref</c>): cloned on the cluster, nothing staged.</summary>
        public string? GitWorkdir { get; init; }

        /// <summary>Top-level fields this module does not know (passed through; the API server validates them).</summary>
        public IReadOnlyList<UnknownTaskField> UnknownFields { get; init; } = Array.Empty<UnknownTaskField>();

        public int NumNodes { get; init; } = 1;

        /// <summary>Candidate resources: one entry, or the <c>any_of</c>/<c>ordered</c> list.</summary>
        public IReadOnlyList<TaskResources> Resources { get; init; } = Array.Empty<TaskResources>();

        public IReadOnlyDictionary<string, string> Envs { get; init; } = new Dictionary<string, string>();

        /// <summary>Secret names only: their values are never kept in the model, printed or logged.</summary>
        public IReadOnlyList<string> SecretNames { get; init; } = Array.Empty<string>();

        public IReadOnlyList<FileMount> FileMounts { get; init; } = Array.Empty<FileMount>();

        public string? Setup { get; init; }

        public string? Run { get; init; }

        /// <summary>The clouds named by the candidates; empty when none names a cloud.</summary>
        public IReadOnlyList<string> Clouds => Resources.Where(r => r.Cloud != null).Select(r => r.Cloud!).Distinct().ToList();

        /// <summary>The parsed document, kept so the task can be rewritten and sent as YAML.</summary>
        internal YamlMappingNode Document { get; init; } = new YamlMappingNode();
    }

    /// <summary>A parsed task file: one task, or a pipeline of several.</summary>
    public sealed class TaskFile
    {
        public string Path { get; init; } = string.Empty;

        /// <summary>The pipeline's name (a first document holding only <c>name</c>), or the single task's name.</summary>
        public string? Name { get; init; }

        public IReadOnlyList<SkyTask> Tasks { get; init; } = Array.Empty<SkyTask>();

        internal YamlMappingNode? PipelineHeader { get; init; }
    }
}
