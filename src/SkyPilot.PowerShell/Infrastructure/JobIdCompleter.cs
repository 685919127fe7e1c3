using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SkyPilot.Core;
using SkyPilot.Core.Api;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>Completes <c>-JobId</c> from the jobs this user last saw (local, fast, silent on any failure).</summary>
    public sealed class JobIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return Complete(SkyEnvironment.FromProcess(), wordToComplete)
                .Select(e => new CompletionResult(e.JobId.ToString(CultureInfo.InvariantCulture), e.JobId + " " + e.Name, CompletionResultType.ParameterValue, (e.Name ?? "unnamed") + " (" + e.Status + ")"));
        }

        internal static IEnumerable<JobHistory.Entry> Complete(SkyEnvironment env, string? wordToComplete)
        {
            try
            {
                var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
                return JobHistory.Read(env).Where(e => e.JobId.ToString(CultureInfo.InvariantCulture).StartsWith(prefix, StringComparison.Ordinal)).OrderByDescending(e => e.JobId).ToList();
            }
            catch (Exception)
            {
                return Array.Empty<JobHistory.Entry>();
            }
        }
    }
}
