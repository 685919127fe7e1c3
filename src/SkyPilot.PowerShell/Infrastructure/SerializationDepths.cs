using System;
using System.Runtime.CompilerServices;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// How deep each output type is serialized (Start-Job/Receive-Job, remoting, Export-Clixml), so its nested results,
    /// identity, lists and dates arrive as objects with properties rather than as their ToString.
    /// </summary>
    /// <remarks>
    /// Registered with <c>Update-TypeData -Force</c> rather than a types file: PowerShell refuses a second copy's types
    /// file for the type names a first copy already extended ("member SerializationDepth is already present"), so a copy
    /// imported from another path over the first would fail. Registered when a cmdlet of this module first runs in a
    /// runspace, not on import: only our cmdlets emit these types, and Update-TypeData lives in
    /// Microsoft.PowerShell.Utility, whose loading was most of the import's time in a bare pwsh (BENCHMARKS.md). The
    /// cmdlet is bound by its type, which skips the module auto-load and command lookup.
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

        private static readonly ConditionalWeakTable<Runspace, object> Registered = new ConditionalWeakTable<Runspace, object>();

        /// <summary>
        /// Registers the depths in the current runspace, once. A runspace without <c>Update-TypeData</c> (a constrained
        /// session) keeps PowerShell's default depth: output is still correct there, only shallower when serialized.
        /// </summary>
        public static void EnsureRegistered()
        {
            var runspace = Runspace.DefaultRunspace;
            if (runspace is null || Registered.TryGetValue(runspace, out _))
            {
                return;
            }

            Registered.Add(runspace, Depths);
            var data = new TypeData[Depths.Length];
            for (var i = 0; i < Depths.Length; i++)
            {
                data[i] = new TypeData(Depths[i].TypeName) { SerializationDepth = Depths[i].Depth };
            }

            try
            {
                using (var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    var cmdlet = Type.GetType("Microsoft.PowerShell.Commands.UpdateTypeDataCommand, Microsoft.PowerShell.Commands.Utility", throwOnError: false);
                    var command = cmdlet is null ? shell.AddCommand("Microsoft.PowerShell.Utility\\Update-TypeData") : shell.AddCommand(new CmdletInfo("Update-TypeData", cmdlet));
                    command.AddParameter("TypeData", data).AddParameter("Force").AddParameter("WhatIf", false).AddParameter("Confirm", false).Invoke();
                }
            }
            catch (Exception e) when (e is CommandNotFoundException || e is PSInvalidOperationException || e is RuntimeException)
            {
            }
        }
    }
}
