using System.Management.Automation;
using System.Threading;
using SkyPilot.Core.Api;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>Shows the SkyPilot API server this module talks to and whether it supports it (sky api info).</summary>
    [Cmdlet(VerbsCommon.Get, "SkyApiServer", HelpUri = HelpLinks.GetSkyApiServer)]
    [OutputType(typeof(SkyApiServerInfo))]
    public sealed class GetSkyApiServerCommand : SkyApiCmdlet
    {
        /// <summary>The API server (default: SKYPILOT_API_SERVER_ENDPOINT, ~/.sky/config.yaml, http://127.0.0.1:46580).</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        internal override void Execute(CancellationToken cancellationToken) =>
            AtServer(Endpoint, api => WriteObject(Run(ct => api.GetServerInfoAsync(ct), cancellationToken)));
    }
}
