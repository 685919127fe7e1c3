using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// Loads Core and its dependencies. On PowerShell 7 they come from <c>Dependencies/net8.0</c> into a private load
    /// context (SkyPilot.PowerShell.Isolation), so other modules' versions of Newtonsoft.Json or Google.Apis cannot clash
    /// with ours. On Windows PowerShell 5.1 (no load contexts) they load from <c>Dependencies/netstandard2.0</c> through
    /// an ordinary resolver. The resolver is removed with the module.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string ModuleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? string.Empty;
        private static readonly string? Folder = TargetFolder(RuntimeInformation.FrameworkDescription, Environment.Version);
        private static readonly string DependencyDirectory = Path.Combine(ModuleDirectory, "Dependencies", Folder ?? string.Empty);

        public void OnImport()
        {
            if (Folder is null)
            {
                throw new PSNotSupportedException(
                    "SkyPilot.PowerShell runs on PowerShell 7.4 or later and on Windows PowerShell 5.1; this PowerShell runs on " +
                    RuntimeInformation.FrameworkDescription + " (PowerShell 7.0 to 7.3). Install PowerShell 7.4 or later.");
            }

            if (Folder == "net8.0")
            {
                IsolationType()?.GetMethod("Install")?.Invoke(null, new object[] { DependencyDirectory });
                return;
            }

            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (Folder == "net8.0")
            {
                IsolationType()?.GetMethod("Uninstall")?.Invoke(null, null);
                return;
            }

            AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
        }

        /// <summary>
        /// <c>net8.0</c> on .NET 8 or later (PowerShell 7.4+), <c>netstandard2.0</c> on .NET Framework (Windows PowerShell
        /// 5.1), null on .NET Core 3.1 to 7 (PowerShell 7.0 to 7.3, out of support), which the module refuses: the
        /// netstandard2.0 build is written for Windows only.
        /// </summary>
        internal static string? TargetFolder(string frameworkDescription, Version runtimeVersion)
        {
            if (frameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase))
            {
                return "netstandard2.0";
            }

            return runtimeVersion.Major >= 8 ? "net8.0" : null;
        }

        private static Type? IsolationType()
        {
            var path = Path.Combine(DependencyDirectory, "SkyPilot.PowerShell.Isolation.dll");
            return File.Exists(path) ? Assembly.LoadFrom(path).GetType("SkyPilot.PowerShell.Isolation.DependencyLoadContext") : null;
        }

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            var candidate = Path.Combine(DependencyDirectory, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
