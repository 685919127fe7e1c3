using System.Linq;
using System.Management.Automation;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>Checks which clouds this identity can use for compute and for storage (sky check).</summary>
    [Cmdlet(VerbsDiagnostic.Test, "SkyCloud", DefaultParameterSetName = "Result", HelpUri = HelpLinks.TestSkyCloud)]
    [OutputType(typeof(CloudCheckResult))]
    [OutputType(typeof(bool), ParameterSetName = new[] { "Quiet" })]
    public sealed class TestSkyCloudCommand : SkyCmdlet
    {
        /// <summary>Clouds to check; all supported clouds when omitted.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ValidateCloudName]
        [ArgumentCompleter(typeof(CloudNameCompleter))]
        public string[]? Cloud { get; set; }

        /// <summary>Capabilities to check; both when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public Capability[]? Capability { get; set; }

        /// <summary>Ignore cached results and check again.</summary>
        [Parameter]
        public SwitchParameter Refresh { get; set; }

        /// <summary>Return only $true (every requested cloud and capability allowed) or $false, like Test-Path.</summary>
        [Parameter(ParameterSetName = "Quiet", Mandatory = true)]
        public SwitchParameter Quiet { get; set; }

        private bool _allAllowed = true;
        private bool _anyChecked;

        internal override void Execute(CancellationToken cancellationToken)
        {
            var environment = Environment;
            var service = CloudCheckService.CreateDefault(environment, Log);
            var clouds = KnownClouds.Normalize(Cloud);
            WriteSkyVerbose("Checking " + string.Join(", ", clouds ?? service.Clouds.ToArray()) + " for " + string.Join(", ", (Capability ?? new[] { Core.Checks.Capability.Compute, Core.Checks.Capability.Storage }).Select(c => c.ToString().ToLowerInvariant())));
            var results = Run(ct => service.CheckAsync(environment, clouds, Capability, Refresh.IsPresent, ct), cancellationToken);
            foreach (var result in results)
            {
                foreach (var warning in result.Identity.Warnings)
                {
                    WriteSkyWarning(KnownClouds.DisplayName(result.Cloud) + ": " + warning);
                }

                // "Could not ask" is not "denied": say so, so a script can tell the two apart.
                foreach (var notChecked in result.Capabilities.Where(c => c.Status == CheckStatus.Unreachable || c.Status == CheckStatus.Unavailable))
                {
                    WriteSkyWarning(KnownClouds.DisplayName(result.Cloud) + " " + notChecked.Capability.ToString().ToLowerInvariant() + " could not be checked (" + notChecked.Status + "): " + notChecked.Reason);
                }

                _anyChecked = true;
                _allAllowed &= result.Enabled;
                if (!Quiet)
                {
                    WriteObject(result);
                }
            }
        }

        internal override void Complete(CancellationToken cancellationToken)
        {
            if (Quiet)
            {
                WriteObject(_anyChecked && _allAllowed);
            }
        }
    }
}
