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
    public sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private static readonly object Gate = new object();
        private static DependencyLoadContext? _installed;
        private readonly string _directory;

        private DependencyLoadContext(string directory)
            : base("SkyPilot.PowerShell", isCollectible: false)
        {
            _directory = directory;
        }

        /// <summary>Installs the context once per process; the default context hands SkyPilot.Core requests to it.</summary>
        public static void Install(string directory)
        {
            lock (Gate)
            {
                if (_installed != null)
                {
                    return;
                }

                _installed = new DependencyLoadContext(directory);
                Default.Resolving += ResolveFromDefault;
            }
        }

        /// <summary>Removes the hook (module removal). The context stays: loaded assemblies cannot be unloaded.</summary>
        public static void Uninstall()
        {
            lock (Gate)
            {
                Default.Resolving -= ResolveFromDefault;
            }
        }

        /// <summary>The cmdlet dll (in the default context) asks for SkyPilot.Core: hand it the isolated copy.</summary>
        internal static Assembly? ResolveFromDefault(AssemblyLoadContext context, AssemblyName name)
        {
            var installed = _installed;
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
