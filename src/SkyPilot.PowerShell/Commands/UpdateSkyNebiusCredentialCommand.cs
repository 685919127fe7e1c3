using System;
using System.Collections.Generic;
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
            var environment = SkyEnvironment.FromProcess();
            var manager = new NebiusCredentialManager(NebiusCloudChecker.DefaultCaller(Log));
            var token = Token is null ? null : Plain(Token);
            var tenant = TenantId;
            var warnings = new List<string>();
            var written = false;
            if (FromCli.IsPresent)
            {
                var needTenant = tenant is null && NebiusTokenFormat.CheckTenant(ReadTenantOnDisk(environment)) != null;
                var fromCli = Run(ct => manager.FromCliAsync(environment, needTenant, ct), cancellationToken);
                token = fromCli.Token;
                tenant = tenant ?? fromCli.TenantId;
            }

            if (token != null || tenant != null)
            {
                var validation = Run(ct => manager.ValidateAsync(environment, token, tenant, Force.IsPresent, ct), cancellationToken);
                warnings.AddRange(validation.Warnings);
                var paths = new NebiusPaths(environment);
                var target = string.Join(", ", Targets(paths, token, tenant));
                if (!ShouldProcess(target, "Write Nebius credentials (owner-only, atomic replace)"))
                {
                    return;
                }

                foreach (var path in manager.Write(environment, token, tenant))
                {
                    WriteSkyVerbose("Wrote " + path);
                }

                written = true;
                if (token != null && environment.Get("NEBIUS_IAM_TOKEN") != null)
                {
                    warnings.Add("NEBIUS_IAM_TOKEN is set and takes precedence over the token file just written; remove it ('Remove-Item Env:NEBIUS_IAM_TOKEN') to use the file");
                }
            }

            // Re-validate what is on disk now, replacing any cached Nebius result (the 'sky check nebius' refresh).
            var service = CloudCheckService.CreateDefault(environment, Log);
            var result = Run(ct => service.CheckAsync(environment, new[] { KnownClouds.Nebius }, new[] { Capability.Compute }, true, ct), cancellationToken)[0];
            var status = NebiusCredentialManager.StatusFrom(result, written, warnings);
            foreach (var warning in status.Warnings)
            {
                WriteSkyWarning("Nebius: " + warning);
            }

            WriteObject(status);
        }

        private static IEnumerable<string> Targets(NebiusPaths paths, string? token, string? tenant)
        {
            if (token != null)
            {
                yield return paths.TokenFile;
            }

            if (tenant != null)
            {
                yield return paths.TenantFile;
            }
        }

        private static string? ReadTenantOnDisk(SkyEnvironment environment)
        {
            try
            {
                return System.IO.File.ReadAllText(new NebiusPaths(environment).TenantFile).Trim();
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
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
