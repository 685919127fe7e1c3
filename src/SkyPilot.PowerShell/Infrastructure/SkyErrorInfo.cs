using System.Management.Automation;

namespace SkyPilot.PowerShell.Infrastructure
{
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
