using System;
using System.Management.Automation;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>A failure the cmdlet reports as an error record: message, stable id, category, target and the fix.</summary>
    public sealed class SkyOperationException : Exception
    {
        public SkyOperationException(string message, Exception? inner = null)
            : this(message, "UnexpectedError", ErrorCategory.NotSpecified, null, null, inner)
        {
        }

        public SkyOperationException(string message, string errorId, ErrorCategory category, object? target, string? recommendedAction, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
            Target = target;
            RecommendedAction = recommendedAction;
        }

        public string ErrorId { get; }

        public ErrorCategory Category { get; }

        public object? Target { get; }

        public string? RecommendedAction { get; }
    }
}
