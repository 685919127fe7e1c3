using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SkyPilot.Core;
using SkyPilot.Core.Cache;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>Tab completion for <c>-Fingerprint</c>: the identity fingerprints in the check cache, with whose they are.</summary>
    public sealed class FingerprintCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            IReadOnlyList<CacheEntry> entries;
            try
            {
                var environment = SkyEnvironment.FromProcess();
                entries = new CheckCache(CacheSettings.FromEnvironment(environment), NullSkyLog.Instance).Read().Entries;
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                // Completion never fails loudly: no cache, no suggestions.
                return Enumerable.Empty<CompletionResult>();
            }

            var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return entries
                .Where(e => e.Fingerprint.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .GroupBy(e => e.Fingerprint)
                .Select(g => new CompletionResult(
                    g.Key,
                    g.Key,
                    CompletionResultType.ParameterValue,
                    g.First().CloudDisplayName + " " + g.First().Identity.DisplayName + " (" + string.Join(", ", g.Select(e => e.Capability.ToString().ToLowerInvariant())) + ")"));
        }
    }
}
