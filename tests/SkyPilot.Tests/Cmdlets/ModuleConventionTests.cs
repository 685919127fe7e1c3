using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using SkyPilot.Tests.Support;

namespace SkyPilot.Tests.Cmdlets;

/// <summary>
/// Checks the staged module folder by reading its metadata (MetadataLoadContext): there is no pwsh here to import it.
/// </summary>
public sealed class ModuleConventionTests : IDisposable
{
    private static readonly string[] StateChangingVerbs = ["Clear", "Remove", "Set", "New", "Update", "Submit", "Stop", "Start", "Publish", "Install"];
    private readonly MetadataLoadContext _context;
    private readonly Assembly _module;

    public ModuleConventionTests()
    {
        var paths = Directory.GetFiles(RepositoryPaths.ModuleFolder, "*.dll")
            .Concat(Directory.GetFiles(Path.Combine(RepositoryPaths.ModuleFolder, "Dependencies", "netstandard2.0"), "*.dll"))
            .Concat(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"))
            .Append(typeof(PSCmdlet).Assembly.Location);
        _context = new MetadataLoadContext(new PathAssemblyResolver(paths));
        _module = _context.LoadFromAssemblyPath(Path.Combine(RepositoryPaths.ModuleFolder, "SkyPilot.PowerShell.dll"));
    }

    public void Dispose() => _context.Dispose();

    private IEnumerable<(Type Type, string Verb, string Noun, CustomAttributeData Attribute)> Cmdlets() =>
        from type in _module.GetTypes()
        let attribute = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == typeof(CmdletAttribute).FullName)
        where attribute != null
        select (type, (string)attribute.ConstructorArguments[0].Value!, (string)attribute.ConstructorArguments[1].Value!, attribute);

    private static string Manifest => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "SkyPilot.PowerShell.psd1"));

    private static HashSet<string> ManifestList(string key)
    {
        var block = Regex.Match(Manifest, key + @"\s*=\s*@\(([^)]*)\)").Groups[1].Value;
        return Regex.Matches(block, @"'([^']+)'").Select(m => m.Groups[1].Value).ToHashSet();
    }

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb_and_the_Sky_noun_prefix()
    {
        var approved = new[] { typeof(VerbsCommon), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsCommunications), typeof(VerbsSecurity), typeof(VerbsOther) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static)).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

        Cmdlets().Should().NotBeEmpty();
        foreach (var (type, verb, noun, _) in Cmdlets())
        {
            approved.Should().Contain(verb, type.Name);
            noun.Should().StartWith("Sky", type.Name);
        }
    }

    [Fact]
    public void Every_cmdlet_declares_a_specific_OutputType()
    {
        foreach (var (type, _, _, _) in Cmdlets())
        {
            var outputs = type.GetCustomAttributesData().Where(a => a.AttributeType.Name == nameof(OutputTypeAttribute)).ToList();
            outputs.Should().NotBeEmpty(type.Name);
            foreach (var output in outputs)
            {
                var declared = ((IEnumerable<CustomAttributeTypedArgument>)output.ConstructorArguments[0].Value!).Select(a => a.Value!.ToString()).ToList();
                // Get-SkyJobLog is the one exception: its output is the log's text lines, like Get-Content's.
                string[] vague = type.Name == "GetSkyJobLogCommand" ? ["System.Object", "System.Management.Automation.PSObject"] : ["System.Object", "System.Management.Automation.PSObject", "System.String"];
                declared.Should().NotContain(vague, type.Name);
            }
        }
    }

    [Fact]
    public void State_changing_cmdlets_support_ShouldProcess()
    {
        foreach (var (type, verb, _, attribute) in Cmdlets().Where(c => StateChangingVerbs.Contains(c.Verb)))
        {
            attribute.NamedArguments.Should().Contain(a => a.MemberName == "SupportsShouldProcess" && (bool)a.TypedValue.Value! == true, type.Name);
        }
    }

    [Fact]
    public void No_two_parameter_sets_of_a_cmdlet_are_ambiguous()
    {
        foreach (var (type, _, _, attribute) in Cmdlets())
        {
            var defaultSet = attribute.NamedArguments.FirstOrDefault(a => a.MemberName == "DefaultParameterSetName").TypedValue.Value as string;
            var sets = new Dictionary<string, List<(string Name, bool Mandatory)>>();
            foreach (var property in type.GetProperties())
            {
                foreach (var parameter in property.GetCustomAttributesData().Where(a => a.AttributeType.Name == nameof(ParameterAttribute)))
                {
                    var set = parameter.NamedArguments.FirstOrDefault(a => a.MemberName == "ParameterSetName").TypedValue.Value as string ?? "__AllParameterSets";
                    var mandatory = parameter.NamedArguments.Any(a => a.MemberName == "Mandatory" && (bool)a.TypedValue.Value!);
                    (sets.TryGetValue(set, out var list) ? list : sets[set] = []).Add((property.Name, mandatory));
                }
            }

            var named = sets.Where(p => p.Key != "__AllParameterSets").ToList();
            foreach (var a in named)
            {
                foreach (var b in named.Where(b => string.CompareOrdinal(a.Key, b.Key) < 0))
                {
                    // PowerShell can tell two sets apart when one needs a parameter the other lacks, or one is the default.
                    static bool Distinct(List<(string Name, bool Mandatory)> x, List<(string Name, bool Mandatory)> y) =>
                        x.Any(p => p.Mandatory && y.All(q => q.Name != p.Name));
                    var resolvable = a.Key == defaultSet || b.Key == defaultSet || Distinct(a.Value, b.Value) || Distinct(b.Value, a.Value);
                    resolvable.Should().BeTrue(type.Name + ": parameter sets " + a.Key + " and " + b.Key + " are ambiguous");
                }
            }

            if (named.Count > 1)
            {
                defaultSet.Should().NotBeNull(type.Name + " has several parameter sets and needs a DefaultParameterSetName");
            }
        }
    }

    [Fact]
    public void Manifest_exports_exactly_the_cmdlet_classes()
    {
        var classes = Cmdlets().Select(c => c.Verb + "-" + c.Noun).ToHashSet();

        ManifestList("CmdletsToExport").Should().BeEquivalentTo(classes);
        Manifest.Should().Contain("FunctionsToExport    = @()").And.Contain("AliasesToExport      = @()");
        Manifest.Should().MatchRegex(@"CompatiblePSEditions\s*=\s*@\('Core', 'Desktop'\)");
    }

    [Fact]
    public void Manifest_version_equals_the_assembly_version()
    {
        var version = Regex.Match(Manifest, @"ModuleVersion\s*=\s*'([^']+)'").Groups[1].Value;

        _module.GetName().Version!.ToString(3).Should().Be(version);
    }

    [Fact]
    public void Module_folder_holds_the_cmdlet_dll_on_top_and_each_runtimes_dependencies_apart()
    {
        var top = Directory.GetFiles(RepositoryPaths.ModuleFolder).Select(Path.GetFileName).ToHashSet();
        top.Should().BeEquivalentTo(["SkyPilot.PowerShell.psd1", "SkyPilot.PowerShell.Format.ps1xml", "SkyPilot.PowerShell.dll"]);
        foreach (var runtime in new[] { "netstandard2.0", "net8.0" })
        {
            var files = Directory.GetFiles(Path.Combine(RepositoryPaths.ModuleFolder, "Dependencies", runtime)).Select(Path.GetFileName).ToList();
            files.Should().Contain("SkyPilot.Core.dll", runtime).And.NotContain("System.Management.Automation.dll", runtime);
        }
    }

    [Theory]
    [InlineData("netstandard2.0")]
    [InlineData("net8.0")]
    public void Every_assembly_a_runtime_loads_finds_its_references_in_its_folder_or_the_framework(string runtime)
    {
        var folder = Path.Combine(RepositoryPaths.ModuleFolder, "Dependencies", runtime);
        var available = Directory.GetFiles(folder, "*.dll").Select(Path.GetFileNameWithoutExtension).ToHashSet();
        available.Add("SkyPilot.PowerShell");
        var framework = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll").Select(Path.GetFileNameWithoutExtension).ToHashSet();
        framework.UnionWith(["netstandard", "mscorlib", "System.Management.Automation"]);
        using var context = new MetadataLoadContext(new PathAssemblyResolver(Directory.GetFiles(folder, "*.dll").Concat(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"))));
        foreach (var dll in Directory.GetFiles(folder, "*.dll").Append(Path.Combine(RepositoryPaths.ModuleFolder, "SkyPilot.PowerShell.dll")))
        {
            foreach (var reference in context.LoadFromAssemblyPath(dll).GetReferencedAssemblies())
            {
                (available.Contains(reference.Name!) || framework.Contains(reference.Name!))
                    .Should().BeTrue(Path.GetFileName(dll) + " references " + reference.Name + ", found neither in Dependencies/" + runtime + " nor in the framework");
            }
        }
    }

    [Theory]
    [InlineData(".NET 8.0.11", 8, "net8.0")]
    [InlineData(".NET 10.0.0", 10, "net8.0")]
    [InlineData(".NET Framework 4.8.9181.0", 4, "netstandard2.0")]
    [InlineData(".NET 6.0.36", 6, null)]
    [InlineData(".NET Core 3.1.32", 3, null)]
    public void The_resolver_picks_the_dependency_folder_for_the_runtime_and_refuses_PowerShell_7_0_to_7_3(string description, int major, string? expected)
    {
        SkyPilot.PowerShell.Infrastructure.ModuleInitializer.TargetFolder(description, new Version(major, 0)).Should().Be(expected);
    }

    [Fact]
    public void Format_file_uses_no_type_literals_that_PowerShell_7_cannot_see()
    {
        // Core loads in a private load context on PowerShell 7, whose types PowerShell's type resolver does not see.
        var format = File.ReadAllText(Path.Combine(RepositoryPaths.ModuleFolder, "SkyPilot.PowerShell.Format.ps1xml"));

        format.Should().NotMatchRegex(@"\[SkyPilot\.");
    }

    [Fact]
    public void Format_file_has_a_view_for_every_output_type()
    {
        var format = File.ReadAllText(Path.Combine(RepositoryPaths.ModuleFolder, "SkyPilot.PowerShell.Format.ps1xml"));
        var outputTypes = Cmdlets()
            .SelectMany(c => c.Type.GetCustomAttributesData().Where(a => a.AttributeType.Name == nameof(OutputTypeAttribute)))
            .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => v.Value!.ToString()!))
            .Where(t => !t.StartsWith("System.", StringComparison.Ordinal)) // -Quiet's [bool] needs no view
            .Distinct();

        foreach (var type in outputTypes)
        {
            format.Should().Contain("<TypeName>" + type + "</TypeName>");
        }
    }
}
