using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SkyPilot.Core.Api;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>-Name of the job cmdlets that take wildcards: PowerShell's patterns, any case.</summary>
    internal static class JobNameFilter
    {
        /// <summary>The jobs whose name matches one of <paramref name="names"/>; all of them when there are none.</summary>
        public static IEnumerable<ManagedJob> Named(this IEnumerable<ManagedJob> jobs, string[]? names)
        {
            if (names is null)
            {
                return jobs;
            }

            var patterns = names.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToList();
            return jobs.Where(j => patterns.Any(p => p.IsMatch(j.Name ?? string.Empty)));
        }
    }
}
