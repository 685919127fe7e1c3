using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes cached check results: all, or those of some clouds, capabilities or identities.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Clear, "SkyCache", SupportsShouldProcess = true)]
    [OutputType(typeof(CacheEntry))]
    public sealed class ClearSkyCacheCommand : SkyCmdlet
    {
        /// <summary>Only entries of these clouds.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ValidateCloudName]
        [ArgumentCompleter(typeof(CloudNameCompleter))]
        public string[]? Cloud { get; set; }

        /// <summary>Only entries of these capabilities.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public Capability[]? Capability { get; set; }

        /// <summary>Only entries made for these identity fingerprints (bound from Get-SkyCache output).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Fingerprint { get; set; }

        /// <summary>Emit the removed entries.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        internal override void Execute(ICmdletSink sink, CancellationToken cancellationToken)
        {
            var environment = SkyEnvironment.FromProcess();
            var settings = CacheSettings.FromEnvironment(environment);
            var cache = new CheckCache(settings, Log);
            var clouds = KnownClouds.Normalize(Cloud);
            var candidates = cache.Read().Entries.Where(e =>
                (clouds is null || clouds.Contains(e.Cloud))
                && (Capability is null || Capability.Contains(e.Capability))
                && (Fingerprint is null || Fingerprint.Contains(e.Fingerprint, StringComparer.Ordinal))).ToList();

            var approved = new HashSet<(string, Capability, string)>();
            foreach (var entry in candidates)
            {
                if (sink.ShouldProcess(entry.ToString(), "Remove cached check result"))
                {
                    approved.Add((entry.Cloud, entry.Capability, entry.Fingerprint));
                }
            }

            if (approved.Count == 0)
            {
                sink.WriteVerbose(candidates.Count == 0 ? "No cached results match." : "Nothing removed.");
                return;
            }

            var removed = Run(sink, ct => cache.RemoveAsync(e => approved.Contains((e.Cloud, e.Capability, e.Fingerprint)), ct), cancellationToken);
            sink.WriteVerbose("Removed " + removed.Count + " cached result(s) from " + cache.FilePath);
            if (PassThru.IsPresent)
            {
                foreach (var entry in removed)
                {
                    sink.WriteObject(entry);
                }
            }
        }
    }
}
