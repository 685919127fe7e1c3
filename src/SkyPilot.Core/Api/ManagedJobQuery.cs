using System.Collections.Generic;

namespace SkyPilot.Core.Api
{
    /// <summary>What to ask the job queue for (the fields of <c>/jobs/queue/v2</c>'s body).</summary>
    public sealed record ManagedJobQuery
    {
        public IReadOnlyList<long>? JobIds { get; init; }

        public bool SkipFinished { get; init; }

        /// <summary>Every user's jobs, not only this user's.</summary>
        public bool AllUsers { get; init; }

        /// <summary>Ask the controller for fresh statuses (and start it if it is down).</summary>
        public bool Refresh { get; init; }

        /// <summary>Only jobs of this SkyPilot workspace.</summary>
        public string? Workspace { get; init; }
    }
}
