namespace SkyPilot.Core.Api
{
    public enum CancelResult
    {
        /// <summary>The server scheduled the job's cancellation.</summary>
        Scheduled,

        /// <summary>The job had already ended; nothing was done.</summary>
        AlreadyTerminal,

        /// <summary>The server has no such job (for this user).</summary>
        NotFound,

        /// <summary>The request's log did not say.</summary>
        Unknown,
    }

    /// <summary>What a cancel request did to one job, as the server's log says.</summary>
    public sealed record CancelOutcome(long JobId, CancelResult Result, string? Status = null, string? Line = null);
}
