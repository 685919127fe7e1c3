using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Nebius;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>Re-reads and re-validates the Nebius credential now, or validates and writes a new token and tenant.</summary>
    [Cmdlet(VerbsData.Update, "SkyNebiusCredential", SupportsShouldProcess = true, DefaultParameterSetName = RefreshSet, HelpUri = HelpLinks.UpdateSkyNebiusCredential)]
    [OutputType(typeof(NebiusCredentialStatus))]
    public sealed class UpdateSkyNebiusCredentialCommand : SkyCmdlet
    {
        private const string RefreshSet = "Refresh";
        private const string SetSet = "Set";
        private const string CliSet = "FromCli";

        /// <summary>The new access token (the output of <c>nebius iam get-access-token</c>).</summary>
        [Parameter(ParameterSetName = SetSet)]
        [ValidateNotNull]
        public SecureString? Token { get; set; }

        /// <summary>The tenant id (tenant-e00...).</summary>
        [Parameter(ParameterSetName = SetSet)]
        [Parameter(ParameterSetName = CliSet)]
        [ValidateNotNullOrEmpty]
        public string? TenantId { get; set; }

        /// <summary>Get the token (and the tenant when none is known) from the Nebius CLI.</summary>
        [Parameter(ParameterSetName = CliSet, Mandatory = true)]
        public SwitchParameter FromCli { get; set; }

        /// <summary>Write even when the API cannot be reached to validate (never when it rejects the credential).</summary>
        [Parameter(ParameterSetName = SetSet)]
        [Parameter(ParameterSetName = CliSet)]
        public SwitchParameter Force { get; set; }

        internal override void Execute(CancellationToken cancellationToken)
        {
            var environment = Environment;
            var manager = new NebiusCredentialManager(NebiusCloudChecker.DefaultCaller(Log));
            var token = Token is null ? null : Plain(Token);
            var update = Run(ct => manager.PrepareAsync(environment, token, TenantId, FromCli.IsPresent, Force.IsPresent, ct), cancellationToken);
            if (update != null)
            {
                if (!ShouldProcess(string.Join(", ", update.Targets), "Write Nebius credentials (owner-only, atomic replace)"))
                {
                    return;
                }

                foreach (var path in manager.Write(environment, update))
                {
                    WriteSkyVerbose("Wrote " + path);
                }
            }

            // Re-validate what is on disk now, replacing any cached Nebius result (the 'sky check nebius' refresh).
            var service = CloudCheckService.CreateDefault(environment, Log);
            var result = Run(ct => service.CheckAsync(environment, new[] { KnownClouds.Nebius }, new[] { Capability.Compute }, true, ct), cancellationToken)[0];
            var status = NebiusCredentialManager.StatusFrom(result, update != null, update?.Warnings);
            foreach (var warning in status.Warnings)
            {
                WriteSkyWarning("Nebius: " + warning);
            }

            WriteObject(status);
        }

        private static string Plain(SecureString secure)
        {
            var pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
            try
            {
                return Marshal.PtrToStringUni(pointer) ?? string.Empty;
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }
}
