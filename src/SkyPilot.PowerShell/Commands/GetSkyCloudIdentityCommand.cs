using System.Linq;
using System.Management.Automation;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Identity;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>Shows the identity each cloud's calls would use now, from local files and environment only.</summary>
    [Cmdlet(VerbsCommon.Get, "SkyCloudIdentity", HelpUri = HelpLinks.GetSkyCloudIdentity)]
    [OutputType(typeof(CloudIdentity))]
    public sealed class GetSkyCloudIdentityCommand : SkyCmdlet
    {
        /// <summary>Clouds to show; all supported clouds when omitted.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ValidateCloudName]
        [ArgumentCompleter(typeof(CloudNameCompleter))]
        public string[]? Cloud { get; set; }

        internal override void Execute(CancellationToken cancellationToken)
        {
            var environment = Environment;
            var service = CloudCheckService.CreateDefault(environment, Log);
            foreach (var cloud in KnownClouds.Normalize(Cloud) ?? service.Clouds)
            {
                var identity = service.ResolveIdentity(cloud, environment);
                foreach (var warning in identity.Warnings)
                {
                    WriteSkyWarning(KnownClouds.DisplayName(cloud) + ": " + warning);
                }

                if (identity.Problem != null)
                {
                    WriteSkyVerbose(KnownClouds.DisplayName(cloud) + ": " + identity.Problem);
                }

                WriteObject(identity);
            }
        }
    }
}
