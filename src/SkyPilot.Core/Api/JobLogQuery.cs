namespace SkyPilot.Core.Api
{
    /// <summary>Which log to stream (the body of <c>/jobs/logs</c>).</summary>
    public sealed record JobLogQuery
    {
        public long? JobId { get; init; }

        public string? Name { get; init; }

        /// <summary>Keep streaming until the job ends.</summary>
        public bool Follow { get; init; }

        /// <summary>Only the last lines.</summary>
        public int? Tail { get; init; }

        /// <summary>The jobs controller's log for the job, not the job's own.</summary>
        public bool Controller { get; init; }

        /// <summary>What a log request's result (the job's exit code) means: 0 succeeded, 100 failed, 101 not finished, 102 not found, 103 cancelled.</summary>
        public const int Succeeded = 0;
        public const int Failed = 100;
        public const int NotFinished = 101;
        public const int NotFound = 102;
        public const int Cancelled = 103;
    }
}
