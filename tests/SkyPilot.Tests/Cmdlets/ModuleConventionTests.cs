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
                declared.Should().NotContain(["System.Object", "System.Management.Automation.PSObject", "System.String"], type.Name);
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
    public void Module_folder_holds_manifest_format_and_every_dependency_but_not_the_reference_stub()
    {
        var files = Directory.GetFiles(RepositoryPaths.ModuleFolder).Select(Path.GetFileName).ToHashSet();
        files.Should().Contain(["SkyPilot.PowerShell.psd1", "SkyPilot.PowerShell.Format.ps1xml", "SkyPilot.PowerShell.dll", "SkyPilot.Core.dll"]);
        files.Should().NotContain("System.Management.Automation.dll");

        var framework = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll").Select(Path.GetFileNameWithoutExtension).ToHashSet();
        framework.UnionWith(["netstandard", "mscorlib", "System.Management.Automation"]);
        foreach (var dll in Directory.GetFiles(RepositoryPaths.ModuleFolder, "*.dll"))
        {
            foreach (var reference in _context.LoadFromAssemblyPath(dll).GetReferencedAssemblies())
            {
                (files.Contains(reference.Name + ".dll") || framework.Contains(reference.Name!))
                    .Should().BeTrue(Path.GetFileName(dll) + " references " + reference.Name + ", which is neither in the module folder nor in the framework");
            }
        }
    }

    [Fact]
    public void Format_file_has_a_view_for_every_output_type()
    {
        var format = File.ReadAllText(Path.Combine(RepositoryPaths.ModuleFolder, "SkyPilot.PowerShell.Format.ps1xml"));
        var outputTypes = Cmdlets()
            .SelectMany(c => c.Type.GetCustomAttributesData().Where(a => a.AttributeType.Name == nameof(OutputTypeAttribute)))
            .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => v.Value!.ToString()!))
            .Distinct();

        foreach (var type in outputTypes)
        {
            format.Should().Contain("<TypeName>" + type + "</TypeName>");
        }
    }
}
