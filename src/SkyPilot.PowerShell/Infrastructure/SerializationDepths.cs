using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// How deep each output type is serialized (Start-Job/Receive-Job, remoting, Export-Clixml), so its nested results,
    /// identity, lists and dates arrive as objects with properties rather than as their ToString.
    /// </summary>
    /// <remarks>
    /// Registered on import with <c>Update-TypeData -Force</c> rather than a types file: PowerShell refuses a second
    /// copy's types file for the type names a first copy already extended ("member SerializationDepth is already
    /// present"), so a copy imported from another path over the first would fail; and a types file costs every import
    /// its XML processing.
    /// </remarks>
    internal static class SerializationDepths
    {
        private static readonly (string TypeName, uint Depth)[] Depths =
        {
            ("SkyPilot.Core.Checks.CloudCheckResult", 4),
            ("SkyPilot.Core.Checks.CapabilityResult", 3),
            ("SkyPilot.Core.Identity.CloudIdentity", 2),
            ("SkyPilot.Core.Cache.CacheEntry", 4),
            ("SkyPilot.Core.Nebius.NebiusCredentialStatus", 2),
            ("SkyPilot.Core.Api.ManagedJob", 2),
        };

        /// <summary>
        /// Registers the depths in the importing runspace. A runspace without <c>Update-TypeData</c> (a constrained
        /// session) keeps PowerShell's default depth: output is still correct there, only shallower when serialized.
        /// </summary>
        public static void Register()
        {
            var data = new TypeData[Depths.Length];
            for (var i = 0; i < Depths.Length; i++)
            {
                data[i] = new TypeData(Depths[i].TypeName) { SerializationDepth = Depths[i].Depth };
            }

            try
            {
                using (var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    shell.AddCommand("Microsoft.PowerShell.Utility\\Update-TypeData").AddParameter("TypeData", data).AddParameter("Force").Invoke();
                }
            }
            catch (Exception e) when (e is CommandNotFoundException || e is PSInvalidOperationException || e is RuntimeException)
            {
            }
        }
    }
}
