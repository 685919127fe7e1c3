using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// Loads Core and its dependencies from <c>Dependencies/net8.0</c> on PowerShell 7 (HTTP/2 gRPC for Nebius) or
    /// <c>Dependencies/netstandard2.0</c> on Windows PowerShell 5.1. They sit outside the module's top folder so the
    /// runtime never picks them up by accident; this resolver hands them out by name, and is removed with the module.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string DependencyDirectory = Path.Combine(
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? string.Empty,
            "Dependencies",
            TargetFolder(RuntimeInformation.FrameworkDescription, Environment.Version));

        public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += Resolve;

        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= Resolve;

        /// <summary><c>net8.0</c> on .NET 8 or later, else <c>netstandard2.0</c> (.NET Framework, older .NET).</summary>
        internal static string TargetFolder(string frameworkDescription, Version runtimeVersion)
        {
            var isFramework = frameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);
            return !isFramework && runtimeVersion.Major >= 8 ? "net8.0" : "netstandard2.0";
        }

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            var candidate = Path.Combine(DependencyDirectory, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
