using System;

namespace SkyPilot.Core.Api
{
    /// <summary>A managed job as the API server's job queue reports it (fields are optional across server versions).</summary>
    public sealed record ManagedJob
    {
        public long JobId { get; init; }

        public string? Name { get; init; }

        public string? TaskName { get; init; }

        /// <summary>The task's index in a pipeline (0 for a single-task job); the queue has one record per task.</summary>
        public int TaskId { get; init; }

        /// <summary>For a waited-for pipeline: how many tasks it has (0 when not known).</summary>
        public int TaskCount { get; init; }

        /// <summary>SkyPilot's status name, e.g. <c>RUNNING</c> or <c>FAILED_PRECHECKS</c>.</summary>
        public string Status { get; init; } = ManagedJobStatus.Pending;

        public string? FailureReason { get; init; }

        public string? Infra { get; init; }

        public string? Cloud { get; init; }

        public string? Region { get; init; }

        public string? Resources { get; init; }

        public int RecoveryCount { get; init; }

        public string? User { get; init; }

        public string? Workspace { get; init; }

        public DateTimeOffset? SubmittedAt { get; init; }

        public DateTimeOffset? StartedAt { get; init; }

        public DateTimeOffset? EndedAt { get; init; }

        public TimeSpan? Duration { get; init; }

        /// <summary>The launch request's id (set for jobs this session submitted).</summary>
        public string? RequestId { get; init; }

        /// <summary>The API server the job belongs to.</summary>
        public string? Endpoint { get; init; }

        /// <summary>Where this submission staged its files (gs://bucket/.../job-&lt;run id&gt;/), when it staged any.</summary>
        public string? BucketPrefix { get; init; }

        public bool IsTerminal => ManagedJobStatus.IsTerminal(Status);

        public bool IsFailed => ManagedJobStatus.IsFailure(Status);

        public override string ToString() => "Managed job " + JobId + " (" + (Name ?? "unnamed") + "): " + Status;
    }
}
