using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SkyPilot.Core;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>Tab completion for <c>-Cloud</c>.</summary>
    public sealed class CloudNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return Complete(wordToComplete).Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, KnownClouds.DisplayName(name)));
        }

        internal static IEnumerable<string> Complete(string? wordToComplete)
        {
            var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return KnownClouds.All.Where(name => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        }
    }
}
