using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>Lists cached check results with the identity each was made for and whether it would be served now.</summary>
    [Cmdlet(VerbsCommon.Get, "SkyCache", HelpUri = HelpLinks.GetSkyCache)]
    [OutputType(typeof(CacheEntry))]
    public sealed class GetSkyCacheCommand : SkyCmdlet
    {
        /// <summary>Only entries of these clouds.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ValidateCloudName]
        [ArgumentCompleter(typeof(CloudNameCompleter))]
        public string[]? Cloud { get; set; }

        internal override void Execute(CancellationToken cancellationToken)
        {
            var environment = Environment;
            var service = CloudCheckService.CreateDefault(environment, Log);
            if (service.Cache is null)
            {
                WriteSkyVerbose("The check cache is disabled (SKYPILOT_PS_CACHE=off).");
                return;
            }

            WriteSkyVerbose("Reading " + service.Cache.FilePath);
            var clouds = KnownClouds.Normalize(Cloud);
            var entries = service.ValidatedEntries(service.Cache, environment, DateTimeOffset.UtcNow);
            foreach (var entry in entries.Where(e => clouds is null || clouds.Contains(e.Cloud)).OrderBy(e => e.Cloud).ThenBy(e => e.Capability).ThenByDescending(e => e.CheckedAt))
            {
                WriteObject(entry);
            }
        }
    }
}
