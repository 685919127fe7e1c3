using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SkyPilot.Core.Api;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// <c>-Status</c> accepts SkyPilot's managed-job statuses in any case: the one list in
    /// <see cref="ManagedJobStatus.All"/>, which the completer offers too.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateJobStatusAttribute : ValidateEnumeratedArgumentsAttribute
    {
        protected override void ValidateElement(object element)
        {
            var value = element?.ToString() ?? string.Empty;
            if (!ManagedJobStatus.All.Contains(value, StringComparer.OrdinalIgnoreCase))
            {
                throw new ValidationMetadataException("Unknown job status '" + value + "'. Valid statuses: " + string.Join(", ", ManagedJobStatus.All) + ".");
            }
        }
    }

    /// <summary>Tab completion for <c>-Status</c>, from the same list.</summary>
    public sealed class JobStatusCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return ManagedJobStatus.All
                .Where(s => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, s));
        }
    }
}
