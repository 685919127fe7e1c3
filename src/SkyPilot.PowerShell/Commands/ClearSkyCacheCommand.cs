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
    /// <summary>Removes cached check results: all, or those of some clouds, capabilities or identities.</summary>
    [Cmdlet(VerbsCommon.Clear, "SkyCache", SupportsShouldProcess = true, HelpUri = HelpLinks.ClearSkyCache)]
    [OutputType(typeof(CacheEntry))]
    public sealed class ClearSkyCacheCommand : SkyCmdlet
    {
        /// <summary>Only entries of these clouds.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
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
        [ArgumentCompleter(typeof(FingerprintCompleter))]
        public string[]? Fingerprint { get; set; }

        /// <summary>Emit the removed entries.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        internal override void Execute(CancellationToken cancellationToken)
        {
            var environment = Environment;
            var settings = CacheSettings.FromEnvironment(environment, Log);
            var cache = new CheckCache(settings, Log);
            var service = CloudCheckService.CreateDefault(environment, Log);
            var clouds = KnownClouds.Normalize(Cloud);

            // Validated like Get-SkyCache shows them, so prompts and -PassThru say whether each entry would still be served.
            var entries = service.ValidatedEntries(cache, environment, DateTimeOffset.UtcNow);
            var candidates = entries.Where(e =>
                (clouds is null || clouds.Contains(e.Cloud))
                && (Capability is null || Capability.Contains(e.Capability))
                && (Fingerprint is null || Fingerprint.Contains(e.Fingerprint, StringComparer.Ordinal))).ToList();

            var approved = new HashSet<(string, Capability, string)>();
            foreach (var entry in candidates)
            {
                if (ShouldProcess(Describe(entry), "Remove cached check result"))
                {
                    approved.Add((entry.Cloud, entry.Capability, entry.Fingerprint));
                }
            }

            if (approved.Count == 0)
            {
                WriteSkyVerbose(candidates.Count == 0 ? "No cached results match." : "Nothing removed.");
                return;
            }

            var removed = Run(ct => cache.RemoveAsync(e => approved.Contains((e.Cloud, e.Capability, e.Fingerprint)), ct), cancellationToken);
            WriteSkyVerbose("Removed " + removed.Count + " cached result(s) from " + cache.FilePath);
            if (PassThru.IsPresent)
            {
                var shown = candidates.ToDictionary(e => (e.Cloud, e.Capability, e.Fingerprint));
                foreach (var entry in removed)
                {
                    WriteObject(shown.TryGetValue((entry.Cloud, entry.Capability, entry.Fingerprint), out var validated) ? validated : entry);
                }
            }
        }

        /// <summary>
        /// The prompt's target: enough to tell entries for the same account apart (configuration, when, fingerprint).
        /// </summary>
        internal static string Describe(CacheEntry entry)
        {
            var details = new List<string>();
            if (entry.Identity.Configuration != null)
            {
                details.Add("gcloud configuration '" + entry.Identity.Configuration + "'");
            }

            details.Add(entry.Status.ToString());
            details.Add("checked " + entry.CheckedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
            details.Add("fingerprint " + (entry.Fingerprint.Length > 12 ? entry.Fingerprint.Substring(0, 12) : entry.Fingerprint));
            if (!entry.IsValid && entry.InvalidReason != null)
            {
                details.Add("not valid: " + entry.InvalidReason);
            }

            return entry.CloudDisplayName + " " + entry.Capability.ToString().ToLowerInvariant() + " for " + entry.Identity.DisplayName + " (" + string.Join(", ", details) + ")";
        }
    }
}
