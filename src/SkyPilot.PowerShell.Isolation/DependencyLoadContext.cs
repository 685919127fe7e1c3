using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace SkyPilot.PowerShell.Isolation
{
    /// <summary>
    /// Loads SkyPilot.Core and its dependencies (Newtonsoft.Json, Google.Apis, YamlDotNet, Google.Protobuf) in a context of
    /// their own, so other modules' versions of the same assemblies (Az, GoogleCloud) neither break us nor are broken by us.
    /// Anything not in the folder (the framework, System.Management.Automation) comes from the default context.
    /// </summary>
    /// <remarks>
    /// PowerShell calls the module's OnImport for every import (also <c>-Force</c> and re-imports after
    /// <c>Remove-Module</c>, in any runspace) and OnRemove for every removal. The context is created once per process
    /// (loaded assemblies cannot be unloaded); the default context's hook is counted, so one runspace removing the module
    /// never unhooks it for another runspace that still uses it (PowerShell issue #20710 is this family of failures).
    /// </remarks>
    public sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private static readonly object Gate = new object();
        private static DependencyLoadContext? _context;
        private static int _imports;
        private readonly string _directory;

        private DependencyLoadContext(string directory)
            : base("SkyPilot.PowerShell", isCollectible: false)
        {
            _directory = directory;
        }

        /// <summary>One import: creates the context on the first, hooks the default context while any import is live.</summary>
        public static void Install(string directory)
        {
            lock (Gate)
            {
                _context ??= new DependencyLoadContext(directory);
                if (_imports++ == 0)
                {
                    Default.Resolving += ResolveFromDefault;
                }
            }
        }

        /// <summary>One removal: the hook goes with the last live import. The context stays.</summary>
        public static void Uninstall()
        {
            lock (Gate)
            {
                if (_imports > 0 && --_imports == 0)
                {
                    Default.Resolving -= ResolveFromDefault;
                }
            }
        }

        /// <summary>The cmdlet dll (in the default context) asks for SkyPilot.Core: hand it the isolated copy.</summary>
        internal static Assembly? ResolveFromDefault(AssemblyLoadContext context, AssemblyName name)
        {
            var installed = _context;
            return installed != null && name.Name == "SkyPilot.Core" ? installed.LoadFromAssemblyName(name) : null;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var candidate = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }

        /// <summary>For tests: a context over <paramref name="directory"/> without installing the default-context hook.</summary>
        internal static DependencyLoadContext CreateForTest(string directory) => new DependencyLoadContext(directory);
    }
}
