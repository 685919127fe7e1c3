using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Writes PowerShell's MAML help file (<c>Module.dll-Help.xml</c>) for the cmdlets of one assembly.
/// The prose comes from one markdown file per cmdlet (format: docs/README.md); syntax and parameter facts
/// (type, mandatory, position, pipeline input, aliases, enum values) come from the compiled assembly, read with
/// MetadataLoadContext so that nothing is loaded into the build process.
/// </summary>
public sealed class GenerateCmdletHelp : Task
{
    private const string Sma = "System.Management.Automation.";
    private const string AllSets = "__AllParameterSets";
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Cmd = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <summary>The compiled cmdlet assembly.</summary>
    [Required]
    public string Assembly { get; set; }

    /// <summary>The assemblies it was compiled against (@(ReferencePath)), to resolve attribute and parameter types.</summary>
    [Required]
    public ITaskItem[] References { get; set; }

    /// <summary>The markdown sources, one per cmdlet.</summary>
    public ITaskItem[] Sources { get; set; } = new ITaskItem[0];

    [Required]
    public string OutputFile { get; set; }

    public override bool Execute()
    {
        var cmdlets = ReadCmdlets().ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var docs = Sources.Select(s => HelpDocument.Parse(s.GetMetadata("FullPath"))).ToList();
        foreach (var doc in docs.Where(d => d.Error != null))
        {
            Log.LogError(null, "SKYHELP1", null, doc.File, 0, 0, 0, 0, doc.Error);
        }

        var entries = new List<XElement>();
        foreach (var doc in docs.Where(d => d.Error == null))
        {
            if (cmdlets.TryGetValue(doc.Name, out var cmdlet))
            {
                WarnAboutParameters(cmdlet, doc);
                entries.Add(CommandElement(cmdlet, doc));
            }
            else
            {
                Warn(doc.File, "help for " + doc.Name + ", which is not a cmdlet of " + Path.GetFileName(Assembly) + "; not generated");
            }
        }

        foreach (var missing in cmdlets.Keys.Where(name => docs.All(d => !name.Equals(d.Name, StringComparison.OrdinalIgnoreCase))))
        {
            Warn(Assembly, "cmdlet " + missing + " has no help source (docs/help/" + missing + ".md)");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile)));
        new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems",
                new XAttribute("schema", "maml"),
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Cmd),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                entries)).Save(OutputFile);
        Log.LogMessage(MessageImportance.Normal, "Wrote help for " + entries.Count + " cmdlet(s) to " + OutputFile);
        return !Log.HasLoggedErrors;
    }

    private void Warn(string file, string message) => Log.LogWarning(null, "SKYHELP2", null, file, 0, 0, 0, 0, message);

    private void WarnAboutParameters(CmdletInfo cmdlet, HelpDocument doc)
    {
        foreach (var name in cmdlet.Parameters.Select(p => p.Name).Where(n => !doc.Parameters.ContainsKey(n)))
        {
            Warn(doc.File, cmdlet.Name + " -" + name + " has no description (### -" + name + ")");
        }

        var known = cmdlet.Parameters.Concat(RiskParameters(cmdlet).Select(r => r.Parameter)).Select(p => p.Name).ToList();
        foreach (var name in doc.Parameters.Keys.Where(n => !known.Contains(n, StringComparer.OrdinalIgnoreCase)))
        {
            Warn(doc.File, "-" + name + " is not a parameter of " + cmdlet.Name);
        }
    }

    // ---- compiled metadata ----

    private sealed class CmdletInfo
    {
        public string Name, Verb, Noun, DefaultSet;
        public bool ShouldProcess;
        public List<ParameterInfo> Parameters = new List<ParameterInfo>();
    }

    private sealed class ParameterInfo
    {
        public string Name, TypeName, ShortTypeName;
        public bool IsSwitch, Wildcards;
        public string[] Aliases = new string[0], Values = new string[0];
        public List<ParameterUse> Uses = new List<ParameterUse>();
    }

    private sealed class ParameterUse
    {
        public string Set;
        public bool Mandatory, ByValue, ByPropertyName;
        public int Position;
    }

    private List<CmdletInfo> ReadCmdlets()
    {
        var paths = References.Select(r => r.GetMetadata("FullPath")).Append(Path.GetFullPath(Assembly)).Distinct();
        using (var context = new MetadataLoadContext(new PathAssemblyResolver(paths), "netstandard"))
        {
            return context.LoadFromAssemblyPath(Path.GetFullPath(Assembly)).GetTypes()
                .Where(t => !t.IsAbstract)
                .Select(ReadCmdlet)
                .Where(c => c != null)
                .ToList();
        }
    }

    private static CmdletInfo ReadCmdlet(Type type)
    {
        var attribute = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Sma + "CmdletAttribute");
        if (attribute == null)
        {
            return null;
        }

        var cmdlet = new CmdletInfo
        {
            Verb = (string)attribute.ConstructorArguments[0].Value,
            Noun = (string)attribute.ConstructorArguments[1].Value,
            ShouldProcess = Named(attribute, "SupportsShouldProcess", false),
            DefaultSet = Named(attribute, "DefaultParameterSetName", AllSets),
        };
        cmdlet.Name = cmdlet.Verb + "-" + cmdlet.Noun;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var data = property.GetCustomAttributesData();
            var uses = data.Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute").Select(a => new ParameterUse
            {
                Set = Named(a, "ParameterSetName", AllSets),
                Mandatory = Named(a, "Mandatory", false),
                Position = Named(a, "Position", int.MinValue),
                ByValue = Named(a, "ValueFromPipeline", false),
                ByPropertyName = Named(a, "ValueFromPipelineByPropertyName", false),
            }).ToList();
            if (uses.Count == 0)
            {
                continue;
            }

            var propertyType = property.PropertyType;
            var element = propertyType.IsArray ? propertyType.GetElementType() : propertyType;
            cmdlet.Parameters.Add(new ParameterInfo
            {
                Name = property.Name,
                TypeName = propertyType.FullName,
                ShortTypeName = propertyType.Name,
                IsSwitch = propertyType.FullName == Sma + "SwitchParameter",
                Wildcards = data.Any(a => a.AttributeType.Name == "SupportsWildcardsAttribute"),
                Aliases = StringArguments(data, "AliasAttribute"),
                Values = element.IsEnum
                    ? element.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToArray()
                    : StringArguments(data, "ValidateSetAttribute"),
                Uses = uses,
            });
        }

        return cmdlet;
    }

    private static T Named<T>(CustomAttributeData attribute, string name, T fallback) =>
        attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => (T)a.TypedValue.Value).DefaultIfEmpty(fallback).First();

    /// <summary>The strings of a <c>params string[]</c> attribute such as <c>[Alias("a", "b")]</c>.</summary>
    private static string[] StringArguments(IEnumerable<CustomAttributeData> data, string attributeName) =>
        data.Where(a => a.AttributeType.FullName == Sma + attributeName)
            .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value)
            .Select(v => (string)v.Value)
            .ToArray();

    /// <summary>-WhatIf and -Confirm, which PowerShell adds to cmdlets that support ShouldProcess.</summary>
    private static IEnumerable<(ParameterInfo Parameter, string Description)> RiskParameters(CmdletInfo cmdlet)
    {
        if (!cmdlet.ShouldProcess)
        {
            yield break;
        }

        yield return (RiskParameter("WhatIf", "wi"), "Shows what would happen if the cmdlet runs. The cmdlet is not run.");
        yield return (RiskParameter("Confirm", "cf"), "Prompts you for confirmation before running the cmdlet.");
    }

    private static ParameterInfo RiskParameter(string name, string alias) => new ParameterInfo
    {
        Name = name,
        TypeName = Sma + "SwitchParameter",
        ShortTypeName = "SwitchParameter",
        IsSwitch = true,
        Aliases = new[] { alias },
        Uses = { new ParameterUse { Set = AllSets, Position = int.MinValue } },
    };

    // ---- MAML ----

    private static XElement CommandElement(CmdletInfo cmdlet, HelpDocument doc)
    {
        var risk = RiskParameters(cmdlet).ToList();
        var all = cmdlet.Parameters.Concat(risk.Select(r => r.Parameter)).ToList();
        var descriptions = risk.Where(r => !doc.Parameters.ContainsKey(r.Parameter.Name))
            .ToDictionary(r => r.Parameter.Name, r => new List<Block> { new Block(r.Description) }, StringComparer.OrdinalIgnoreCase);
        foreach (var documented in doc.Parameters)
        {
            descriptions[documented.Key] = documented.Value;
        }

        List<Block> Describe(string name) => descriptions.TryGetValue(name, out var blocks) ? blocks : new List<Block>();
        var sets = all.SelectMany(p => p.Uses).Select(u => u.Set).Append(cmdlet.DefaultSet).Where(s => s != AllSets).Distinct()
            .OrderBy(s => s == cmdlet.DefaultSet ? 0 : 1).ThenBy(s => s, StringComparer.Ordinal).DefaultIfEmpty(AllSets);
        var unknown = doc.Parameters.Keys.Where(name => all.All(p => !p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)));

        return new XElement(Cmd + "command",
            new XElement(Cmd + "details",
                new XElement(Cmd + "name", cmdlet.Name),
                new XElement(Cmd + "verb", cmdlet.Verb),
                new XElement(Cmd + "noun", cmdlet.Noun),
                Description(doc.Synopsis)),
            Description(doc.Description),
            new XElement(Cmd + "syntax", sets.Select(set => new XElement(Cmd + "syntaxItem",
                new XElement(Maml + "name", cmdlet.Name),
                InSyntaxOrder(all, set).Select(p => ParameterElement(p.Parameter, p.Use, null, inSyntax: true))))),
            new XElement(Cmd + "parameters",
                all.Select(p => ParameterElement(p, p.Uses[0], Describe(p.Name), inSyntax: false)),
                unknown.Select(name => new XElement(Cmd + "parameter", new XElement(Maml + "name", name), Description(Describe(name))))),
            new XElement(Cmd + "inputTypes", doc.Inputs.Select(t => new XElement(Cmd + "inputType", TypeElement(t.Title), Description(t.Blocks)))),
            new XElement(Cmd + "returnValues", doc.Outputs.Select(t => new XElement(Cmd + "returnValue", TypeElement(t.Title), Description(t.Blocks)))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(doc.Notes))),
            new XElement(Cmd + "examples", doc.Examples.Select(e => new XElement(Cmd + "example",
                new XElement(Maml + "title", "---------- " + e.Title + " ----------"),
                new XElement(Dev + "code", e.Code),
                new XElement(Dev + "remarks", Paragraphs(e.Remarks))))),
            new XElement(Cmd + "relatedLinks", doc.Links.Select(l => new XElement(Maml + "navigationLink",
                new XElement(Maml + "linkText", l.Text),
                new XElement(Maml + "uri", l.Uri)))));
    }

    /// <summary>The parameters of one set as PowerShell lists them: positional ones by position, then the rest.</summary>
    private static IEnumerable<(ParameterInfo Parameter, ParameterUse Use)> InSyntaxOrder(List<ParameterInfo> parameters, string set) =>
        parameters
            .Select(p => (Parameter: p, Use: p.Uses.FirstOrDefault(u => u.Set == set) ?? p.Uses.FirstOrDefault(u => u.Set == AllSets)))
            .Where(p => p.Use != null)
            .OrderBy(p => p.Use.Position < 0 ? int.MaxValue : p.Use.Position);

    private static XElement ParameterElement(ParameterInfo parameter, ParameterUse use, List<Block> description, bool inSyntax)
    {
        var pipeline = use.ByValue && use.ByPropertyName ? "True (ByValue, ByPropertyName)"
            : use.ByValue ? "True (ByValue)"
            : use.ByPropertyName ? "True (ByPropertyName)"
            : "False";
        return new XElement(Cmd + "parameter",
            new XAttribute("required", use.Mandatory ? "true" : "false"),
            new XAttribute("variableLength", "true"),
            new XAttribute("globbing", parameter.Wildcards ? "true" : "false"),
            new XAttribute("pipelineInput", pipeline),
            new XAttribute("position", use.Position < 0 ? "named" : use.Position.ToString()),
            new XAttribute("aliases", parameter.Aliases.Length == 0 ? "none" : string.Join(", ", parameter.Aliases)),
            new XElement(Maml + "name", parameter.Name),
            description == null ? null : Description(description),
            parameter.Values.Length == 0 ? null : new XElement(Cmd + "parameterValueGroup", parameter.Values.Select(v =>
                new XElement(Cmd + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v))),
            parameter.IsSwitch && inSyntax ? null : new XElement(Cmd + "parameterValue",
                new XAttribute("required", parameter.IsSwitch ? "false" : "true"),
                new XAttribute("variableLength", "false"),
                parameter.ShortTypeName),
            TypeElement(parameter.TypeName),
            inSyntax ? null : new XElement(Dev + "defaultValue", parameter.IsSwitch ? "False" : "None"));
    }

    private static XElement TypeElement(string name) =>
        new XElement(Dev + "type", new XElement(Maml + "name", name), new XElement(Maml + "uri"));

    private static XElement Description(IEnumerable<Block> blocks) => new XElement(Maml + "description", Paragraphs(blocks));

    private static IEnumerable<XElement> Paragraphs(IEnumerable<Block> blocks) => blocks.Select(b => new XElement(Maml + "para", b.Text));

    // ---- markdown ----

    /// <summary>A paragraph, a list item, or the content of a fenced code block.</summary>
    private sealed class Block
    {
        public Block(string text, bool isCode = false)
        {
            Text = text;
            IsCode = isCode;
        }

        public string Text { get; }

        public bool IsCode { get; }
    }

    private sealed class Section
    {
        public string Title;
        public List<string> Lines = new List<string>();
        public List<Section> Children = new List<Section>();

        public List<Block> Blocks => ToBlocks(Lines);
    }

    private sealed class Example
    {
        public string Title, Code;
        public List<Block> Remarks;
    }

    private sealed class Titled
    {
        public string Title;
        public List<Block> Blocks;
    }

    private sealed class Link
    {
        public string Text, Uri;
    }

    private sealed class HelpDocument
    {
        private static readonly Regex LinkLine = new Regex(@"^[-*]\s+(?:\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)|(?<text>.+))$");

        public string File, Name, Error;
        public List<Block> Synopsis, Description, Notes;
        public List<Example> Examples;
        public Dictionary<string, List<Block>> Parameters;
        public List<Titled> Inputs, Outputs;
        public List<Link> Links;

        public static HelpDocument Parse(string file)
        {
            var doc = new HelpDocument { File = file };
            var sections = new Dictionary<string, Section>(StringComparer.OrdinalIgnoreCase);
            Section h2 = null, current = null;
            var inFence = false;
            foreach (var line in System.IO.File.ReadAllLines(file))
            {
                inFence ^= line.TrimStart().StartsWith("```", StringComparison.Ordinal);
                if (!inFence && line.StartsWith("# ", StringComparison.Ordinal))
                {
                    doc.Name = line.Substring(2).Trim();
                }
                else if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
                {
                    current = h2 = sections[line.Substring(3).Trim()] = new Section { Title = line.Substring(3).Trim() };
                }
                else if (!inFence && line.StartsWith("### ", StringComparison.Ordinal) && h2 != null)
                {
                    current = new Section { Title = line.Substring(4).Trim() };
                    h2.Children.Add(current);
                }
                else
                {
                    current?.Lines.Add(line);
                }
            }

            var expected = Path.GetFileNameWithoutExtension(file);
            if (doc.Name != expected)
            {
                doc.Error = "a help source must start with '# " + expected + "', the cmdlet it documents";
                return doc;
            }

            Section Get(string title) => sections.TryGetValue(title, out var s) ? s : new Section();
            doc.Synopsis = Get("SYNOPSIS").Blocks;
            doc.Description = Get("DESCRIPTION").Blocks;
            doc.Notes = Get("NOTES").Blocks;
            doc.Examples = Get("EXAMPLES").Children.Select(e =>
            {
                var blocks = e.Blocks;
                var code = blocks.FirstOrDefault(b => b.IsCode);
                return new Example { Title = e.Title, Code = code?.Text ?? string.Empty, Remarks = blocks.Where(b => b != code).ToList() };
            }).ToList();
            doc.Parameters = Get("PARAMETERS").Children.ToDictionary(p => p.Title.TrimStart('-'), p => p.Blocks, StringComparer.OrdinalIgnoreCase);
            doc.Inputs = Get("INPUTS").Children.Select(c => new Titled { Title = c.Title, Blocks = c.Blocks }).ToList();
            doc.Outputs = Get("OUTPUTS").Children.Select(c => new Titled { Title = c.Title, Blocks = c.Blocks }).ToList();
            doc.Links = Get("RELATED LINKS").Lines.Select(l => LinkLine.Match(l.Trim())).Where(m => m.Success)
                .Select(m => new Link { Text = m.Groups["text"].Value.Trim(), Uri = m.Groups["uri"].Value.Trim() }).ToList();
            return doc;
        }
    }

    /// <summary>Blank lines end a paragraph; a list item starts one; fenced code is kept verbatim.</summary>
    private static List<Block> ToBlocks(IEnumerable<string> lines)
    {
        var blocks = new List<Block>();
        var text = new StringBuilder();
        StringBuilder code = null;

        void Flush()
        {
            if (text.Length > 0)
            {
                blocks.Add(new Block(text.ToString()));
                text.Clear();
            }
        }

        foreach (var line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (code == null)
                {
                    Flush();
                    code = new StringBuilder();
                }
                else
                {
                    blocks.Add(new Block(code.ToString().TrimEnd('\n'), isCode: true));
                    code = null;
                }
            }
            else if (code != null)
            {
                code.Append(line).Append('\n');
            }
            else if (line.Trim().Length == 0)
            {
                Flush();
            }
            else
            {
                if (Regex.IsMatch(line, @"^\s*([-*]|\d+\.)\s"))
                {
                    Flush();
                }

                text.Append(text.Length == 0 ? string.Empty : " ").Append(line.Trim());
            }
        }

        Flush();
        return blocks;
    }
}
