using System.Management.Automation;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// Everything a cmdlet's logic writes, in one narrow interface: the cmdlet implements it over PSCmdlet,
    /// tests implement it with a recorder, so the logic runs without a runspace.
    /// Called only on the pipeline thread.
    /// </summary>
    internal interface ICmdletSink
    {
        void WriteObject(object value);

        void WriteError(SkyErrorInfo error);

        void WriteWarning(string message);

        void WriteVerbose(string message);

        void WriteDebug(string message);

        void WriteProgress(SkyProgress progress);

        bool ShouldProcess(string target, string action);
    }

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

    /// <summary>An error record's content: built by the logic, turned into an ErrorRecord by the cmdlet.</summary>
    internal sealed class SkyErrorInfo
    {
        public SkyErrorInfo(System.Exception exception, string errorId, ErrorCategory category, object? target, string? recommendedAction)
        {
            Exception = exception;
            ErrorId = errorId;
            Category = category;
            Target = target;
            RecommendedAction = recommendedAction;
        }

        public System.Exception Exception { get; }

        /// <summary>Stable id in <c>Reason,Cmdlet</c> form is completed by PowerShell; this is the reason part.</summary>
        public string ErrorId { get; }

        public ErrorCategory Category { get; }

        public object? Target { get; }

        public string? RecommendedAction { get; }
    }
}
