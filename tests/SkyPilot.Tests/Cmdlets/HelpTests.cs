using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using FluentAssertions.Execution;
using SkyPilot.Tests.Support;

namespace SkyPilot.Tests.Cmdlets;

/// <summary>
/// Checks the offline help staged by the build (en-US/*.dll-Help.xml and the about topics) against the cmdlets'
/// compiled metadata, read with MetadataLoadContext as ModuleConventionTests does.
/// </summary>
public sealed class HelpTests : IDisposable
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private static readonly string[] AboutTopics = ["about_SkyPilot.PowerShell", "about_SkyPilot_Troubleshooting"];
    private static readonly string[] RiskParameters = ["WhatIf", "Confirm"];

    private readonly MetadataLoadContext _context;
    private readonly List<CmdletMetadata> _cmdlets;
    private Dictionary<string, XElement>? _entries;

    public HelpTests()
    {
        var paths = Directory.GetFiles(RepositoryPaths.ModuleFolder, "*.dll")
            .Concat(Directory.GetFiles(Path.Combine(RepositoryPaths.ModuleFolder, "Dependencies", "netstandard2.0"), "*.dll"))
            .Concat(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"))
            .Append(typeof(PSCmdlet).Assembly.Location);
        _context = new MetadataLoadContext(new PathAssemblyResolver(paths));
        var module = _context.LoadFromAssemblyPath(Path.Combine(RepositoryPaths.ModuleFolder, "SkyPilot.PowerShell.dll"));
        _cmdlets = module.GetTypes().Select(CmdletMetadata.Read).OfType<CmdletMetadata>().ToList();
    }

    public void Dispose() => _context.Dispose();

    private static string CultureFolder => Path.Combine(RepositoryPaths.ModuleFolder, "en-US");

    private static string HelpFile => Path.Combine(CultureFolder, "SkyPilot.PowerShell.dll-Help.xml");

    private static XDocument LoadHelp() => XDocument.Load(HelpFile);

    private static string EntryName(XElement command) => Text(command.Element(Command + "details")?.Element(Command + "name"));

    private XElement? EntryFor(CmdletMetadata cmdlet)
    {
        _entries ??= LoadHelp().Root!.Elements(Command + "command").GroupBy(EntryName, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        return _entries.GetValueOrDefault(cmdlet.Name);
    }

    private static string Text(XElement? element) => element?.Value.Trim() ?? string.Empty;

    private static IEnumerable<XElement> HelpParameters(XElement entry) =>
        entry.Element(Command + "parameters")?.Elements(Command + "parameter") ?? [];

    [Fact]
    public void Help_file_is_well_formed_maml_in_the_culture_folder_next_to_the_dll()
    {
        File.Exists(HelpFile).Should().BeTrue("PowerShell looks for <dll name>-Help.xml in a culture folder of the module (en-US is the fallback)");

        var act = () => XDocument.Load(HelpFile);

        var root = act.Should().NotThrow().Subject.Root!;
        root.Name.Should().Be(XName.Get("helpItems", "http://msh"));
        ((string?)root.Attribute("schema")).Should().Be("maml");
        root.Elements().Should().OnlyContain(e => e.Name == Command + "command");
    }

    [Fact]
    public void Every_cmdlet_has_exactly_one_help_entry_and_every_entry_a_cmdlet()
    {
        var names = LoadHelp().Root!.Elements(Command + "command").Select(EntryName).ToList();

        _cmdlets.Should().NotBeEmpty();
        names.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(_cmdlets.Select(c => c.Name));
    }

    [Fact]
    public void Every_help_source_documents_an_existing_cmdlet()
    {
        var sources = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs", "help"), "*.md").Select(Path.GetFileNameWithoutExtension);

        sources.Should().BeEquivalentTo(_cmdlets.Select(c => c.Name), "docs/help holds one <Verb-Noun>.md per cmdlet, and no more");
    }

    [Fact]
    public void Every_cmdlet_has_a_synopsis_and_a_description()
    {
        using var scope = new AssertionScope();
        foreach (var cmdlet in _cmdlets)
        {
            var entry = EntryFor(cmdlet);
            if (entry is null)
            {
                scope.FailWith("{0} has no help entry", cmdlet.Name);
                continue;
            }

            var details = entry.Element(Command + "details");
            Text(details?.Element(Command + "verb")).Should().Be(cmdlet.Verb, cmdlet.Name);
            Text(details?.Element(Command + "noun")).Should().Be(cmdlet.Noun, cmdlet.Name);
            Text(details?.Element(Maml + "description")).Should().NotBeEmpty(cmdlet.Name + " needs a synopsis");
            Text(entry.Element(Maml + "description")).Should().NotBeEmpty(cmdlet.Name + " needs a description");
        }
    }

    [Fact]
    public void Every_cmdlet_has_at_least_two_examples_with_code_and_remarks()
    {
        using var scope = new AssertionScope();
        foreach (var cmdlet in _cmdlets)
        {
            var examples = EntryFor(cmdlet)?.Element(Command + "examples")?.Elements(Command + "example").ToList() ?? [];

            examples.Should().HaveCountGreaterThanOrEqualTo(2, cmdlet.Name + " needs at least two examples");
            foreach (var example in examples)
            {
                var title = Text(example.Element(Maml + "title"));
                title.Should().NotBeEmpty(cmdlet.Name + " examples need titles");
                Text(example.Element(Dev + "code")).Should().Contain(cmdlet.Name, cmdlet.Name + " '" + title + "' needs code that uses the cmdlet");
                Text(example.Element(Dev + "remarks")).Should().NotBeEmpty(cmdlet.Name + " '" + title + "' needs remarks saying what it does");
            }
        }
    }

    [Fact]
    public void Every_parameter_has_a_description()
    {
        using var scope = new AssertionScope();
        foreach (var cmdlet in _cmdlets)
        {
            var documented = EntryFor(cmdlet) is { } entry
                ? HelpParameters(entry).ToDictionary(p => Text(p.Element(Maml + "name")), p => Text(p.Element(Maml + "description")), StringComparer.OrdinalIgnoreCase)
                : [];
            foreach (var parameter in cmdlet.Parameters)
            {
                documented.GetValueOrDefault(parameter.Name).Should().NotBeNullOrEmpty(
                    "-" + parameter.Name + " of " + cmdlet.Name + " needs a description (docs/help/" + cmdlet.Name + ".md, ### -" + parameter.Name + ")");
            }
        }
    }

    [Fact]
    public void Help_documents_only_parameters_the_cmdlet_has()
    {
        using var scope = new AssertionScope();
        foreach (var cmdlet in _cmdlets)
        {
            var actual = cmdlet.Parameters.Select(p => p.Name).Concat(cmdlet.SupportsShouldProcess ? RiskParameters : []);
            var entry = EntryFor(cmdlet);
            var inHelp = entry is null ? [] : HelpParameters(entry).Select(p => Text(p.Element(Maml + "name"))).ToList();
            var inSyntax = entry?.Descendants(Command + "syntaxItem").SelectMany(s => s.Elements(Command + "parameter")).Select(p => Text(p.Element(Maml + "name"))) ?? [];

            inHelp.Should().BeSubsetOf(actual, cmdlet.Name + " help must not document parameters the cmdlet does not have");
            inSyntax.Should().BeSubsetOf(actual, cmdlet.Name + " syntax must not name parameters the cmdlet does not have");
            if (entry != null && cmdlet.Parameters.Count > 0)
            {
                inSyntax.Should().Contain(cmdlet.Parameters.Select(p => p.Name), cmdlet.Name + " syntax must list every parameter");
            }
        }
    }

    [Fact]
    public void Parameter_facts_in_syntax_and_parameters_match_the_compiled_cmdlet()
    {
        using var scope = new AssertionScope();
        foreach (var cmdlet in _cmdlets)
        {
            var entry = EntryFor(cmdlet);
            var elements = entry is null
                ? []
                : entry.Descendants(Command + "syntaxItem").SelectMany(s => s.Elements(Command + "parameter")).Concat(HelpParameters(entry)).ToList();
            foreach (var element in elements)
            {
                var name = Text(element.Element(Maml + "name"));
                var parameter = cmdlet.Parameters.FirstOrDefault(p => p.Name == name);
                if (parameter is null)
                {
                    continue;
                }

                var documented = new ParameterUse(
                    (string?)element.Attribute("required") == "true",
                    (string?)element.Attribute("position") is { } position && position != "named" ? int.Parse(position) : int.MinValue,
                    (string?)element.Attribute("pipelineInput") ?? string.Empty);
                parameter.Uses.Should().Contain(documented, cmdlet.Name + " -" + name + " must be documented as declared (mandatory, position, pipeline input)");
                Text(element.Element(Dev + "type")?.Element(Maml + "name")).Should().Be(parameter.TypeName, cmdlet.Name + " -" + name);
            }
        }
    }

    [Fact]
    public void Help_names_every_declared_output_type()
    {
        using var scope = new AssertionScope();
        foreach (var cmdlet in _cmdlets.Where(c => c.OutputTypes.Count > 0))
        {
            var documented = EntryFor(cmdlet)?.Descendants(Command + "returnValue").Select(r => Text(r.Element(Dev + "type")?.Element(Maml + "name"))).ToList() ?? [];

            documented.Should().Contain(cmdlet.OutputTypes, cmdlet.Name + " help must describe what it emits (## OUTPUTS)");
        }
    }

    [Fact]
    public void Related_links_name_existing_cmdlets_and_about_topics()
    {
        var known = _cmdlets.Select(c => c.Name).Concat(AboutTopics).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var links = LoadHelp().Descendants(Maml + "navigationLink")
            .Where(l => Text(l.Element(Maml + "uri")).Length == 0)
            .Select(l => Text(l.Element(Maml + "linkText")));

        links.Should().OnlyContain(text => known.Contains(text), "a related link without a URI must name a cmdlet or an about topic of this module");
    }

    [Fact]
    public void About_topics_are_staged_in_the_culture_folder_in_about_topic_format()
    {
        using var scope = new AssertionScope();
        foreach (var topic in AboutTopics)
        {
            var path = Path.Combine(CultureFolder, topic + ".help.txt");
            File.Exists(path).Should().BeTrue(topic + " must be staged in en-US/");
            if (!File.Exists(path))
            {
                continue;
            }

            var lines = File.ReadAllLines(path);
            lines.Take(2).Should().Equal(["TOPIC", "    " + topic], topic + " must start with its TOPIC header");
            lines.Should().Contain(["SHORT DESCRIPTION", "LONG DESCRIPTION", "SEE ALSO"], topic);
            lines.Should().OnlyContain(l => l.Length <= 80, topic + " lines must fit an 80-column console");
        }
    }

    /// <summary>One [Parameter] attribute of a parameter: a parameter has one per parameter set.</summary>
    private sealed record ParameterUse(bool Mandatory, int Position, string PipelineInput);

    private sealed record ParameterMetadata(string Name, string TypeName, List<ParameterUse> Uses);

    private sealed record CmdletMetadata(string Verb, string Noun, bool SupportsShouldProcess, List<ParameterMetadata> Parameters, List<string> OutputTypes)
    {
        public string Name => Verb + "-" + Noun;

        public static CmdletMetadata? Read(Type type)
        {
            var cmdlet = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == typeof(CmdletAttribute).FullName);
            if (cmdlet is null || type.IsAbstract)
            {
                return null;
            }

            var parameters =
                from property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                let uses = property.GetCustomAttributesData().Where(a => a.AttributeType.FullName == typeof(ParameterAttribute).FullName).Select(Use).ToList()
                where uses.Count > 0
                select new ParameterMetadata(property.Name, property.PropertyType.FullName!, uses);
            var outputs = type.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == typeof(OutputTypeAttribute).FullName)
                .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => v.Value!.ToString()!));
            return new CmdletMetadata(
                (string)cmdlet.ConstructorArguments[0].Value!,
                (string)cmdlet.ConstructorArguments[1].Value!,
                Named(cmdlet, nameof(CmdletAttribute.SupportsShouldProcess), false),
                parameters.ToList(),
                outputs.ToList());
        }

        private static ParameterUse Use(CustomAttributeData attribute)
        {
            var byValue = Named(attribute, nameof(ParameterAttribute.ValueFromPipeline), false);
            var byName = Named(attribute, nameof(ParameterAttribute.ValueFromPipelineByPropertyName), false);
            return new ParameterUse(
                Named(attribute, nameof(ParameterAttribute.Mandatory), false),
                Named(attribute, nameof(ParameterAttribute.Position), int.MinValue),
                byValue && byName ? "True (ByValue, ByPropertyName)" : byValue ? "True (ByValue)" : byName ? "True (ByPropertyName)" : "False");
        }

        private static T Named<T>(CustomAttributeData attribute, string name, T fallback) =>
            attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => (T)a.TypedValue.Value!).DefaultIfEmpty(fallback).First();
    }
}
