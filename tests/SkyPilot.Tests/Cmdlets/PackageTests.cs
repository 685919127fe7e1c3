using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Cmdlets;

/// <summary>The .nupkg that build.ps1 -Task Package makes, in the shape PowerShellGet v3 installs.</summary>
public sealed class PackageTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_package_holds_the_module_at_its_root_and_names_every_cmdlet()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryPaths.Root };
        foreach (var arg in new[] { "pack", "build/package/SkyPilot.PowerShell.Package.csproj", "-o", _temp.Path, "--nologo" })
        {
            info.ArgumentList.Add(arg);
        }

        using (var process = Process.Start(info)!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            process.ExitCode.Should().Be(0, await output);
        }

        var manifest = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "SkyPilot.PowerShell.psd1"));
        var version = Regex.Match(manifest, @"ModuleVersion\s*=\s*'([^']+)'").Groups[1].Value;
        var package = Path.Combine(_temp.Path, "SkyPilot.PowerShell." + version + ".nupkg");
        using var zip = ZipFile.OpenRead(package);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();

        names.Should().Contain(["SkyPilot.PowerShell.psd1", "SkyPilot.PowerShell.dll", "SkyPilot.PowerShell.Format.ps1xml",
            "en-US/SkyPilot.PowerShell.dll-Help.xml", "Dependencies/net8.0/SkyPilot.Core.dll", "Dependencies/netstandard2.0/SkyPilot.Core.dll"]);
        names.Should().NotContain(n => n.EndsWith("System.Management.Automation.dll"));
        using (var packed = new StreamReader(zip.GetEntry("SkyPilot.PowerShell.psd1")!.Open()))
        {
            (await packed.ReadToEndAsync()).Should().Be(manifest);
        }

        using var nuspecStream = zip.GetEntry("SkyPilot.PowerShell.nuspec")!.Open();
        var root = XDocument.Load(nuspecStream).Root!;
        var ns = root.Name.Namespace; // pack writes its own nuspec schema version
        var metadata = root.Element(ns + "metadata")!;
        metadata.Element(ns + "id")!.Value.Should().Be("SkyPilot.PowerShell");
        metadata.Element(ns + "version")!.Value.Should().Be(version);
        var tags = metadata.Element(ns + "tags")!.Value.Split(' ');
        tags.Should().Contain(["PSModule", "PSEdition_Core", "PSEdition_Desktop"]);
        var cmdlets = Regex.Matches(Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\(([^)]*)\)").Groups[1].Value, "'([^']+)'").Select(m => m.Groups[1].Value);
        tags.Where(t => t.StartsWith("PSCmdlet_")).Select(t => t["PSCmdlet_".Length..]).Should().BeEquivalentTo(cmdlets);
    }
}
