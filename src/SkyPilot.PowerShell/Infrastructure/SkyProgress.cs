namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>A progress update, independent of PowerShell's ProgressRecord.</summary>
    internal sealed class SkyProgress
    {
        public SkyProgress(int activityId, string activity, string status, int percentComplete, bool completed = false)
        {
            ActivityId = activityId;
            Activity = activity;
            Status = status;
            PercentComplete = percentComplete;
            Completed = completed;
        }

        public int ActivityId { get; }

        public string Activity { get; }

        public string Status { get; }

        public int PercentComplete { get; }

        public bool Completed { get; }
    }
}
