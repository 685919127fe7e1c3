using System.Reflection;
using System.Runtime.Loader;
using SkyPilot.PowerShell.Isolation;
using SkyPilot.Tests.Support;

namespace SkyPilot.Tests.Cmdlets;

/// <summary>The PowerShell 7 load context, exercised on the staged module folder.</summary>
public sealed class DependencyIsolationTests
{
    private static string Net8Folder => Path.Combine(RepositoryPaths.ModuleFolder, "Dependencies", "net8.0");

    [Fact]
    public void Core_and_its_dependencies_load_in_their_own_context_beside_other_versions()
    {
        var context = DependencyLoadContext.CreateForTest(Net8Folder);

        var core = context.LoadFromAssemblyName(new AssemblyName("SkyPilot.Core"));
        var json = context.LoadFromAssemblyName(new AssemblyName("Newtonsoft.Json"));

        AssemblyLoadContext.GetLoadContext(core).Should().BeSameAs(context);
        AssemblyLoadContext.GetLoadContext(json).Should().BeSameAs(context);
        json.Should().NotBeSameAs(typeof(Newtonsoft.Json.JsonConvert).Assembly, "the host's (here: the test's) Newtonsoft.Json stays untouched");
        json.Location.Should().StartWith(Net8Folder);
    }

    [Fact]
    public void Code_running_in_the_context_works_end_to_end()
    {
        var context = DependencyLoadContext.CreateForTest(Net8Folder);
        var core = context.LoadFromAssemblyName(new AssemblyName("SkyPilot.Core"));

        // Resolving an identity touches YamlDotNet (SkyPilot config), Newtonsoft.Json and SHA-256 inside the context.
        var environmentType = core.GetType("SkyPilot.Core.SkyEnvironment")!;
        using var temp = new SkyPilot.TestKit.TempDirectory();
        var env = Activator.CreateInstance(environmentType, new Dictionary<string, string> { ["HOME"] = temp.Path, ["CLOUDSDK_CONFIG"] = temp.Path }, temp.Path, false)!;
        var resolve = core.GetType("SkyPilot.Core.Gcp.GcpIdentityResolver")!.GetMethod("Resolve")!;
        var identity = resolve.Invoke(null, [env, null, null])!;

        identity.GetType().GetProperty("Fingerprint")!.GetValue(identity).Should().BeOfType<string>().Which.Should().HaveLength(32);
    }

    [Fact]
    public void Assemblies_outside_the_folder_come_from_the_default_context()
    {
        var context = DependencyLoadContext.CreateForTest(Net8Folder);

        var framework = context.LoadFromAssemblyName(new AssemblyName("System.Text.Json"));

        AssemblyLoadContext.GetLoadContext(framework).Should().BeSameAs(AssemblyLoadContext.Default);
    }
}
