using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Module;

/// <summary>Issue 11 item 13: Get-Help -Online has somewhere to go, and the manifest names this module's project and license.</summary>
public sealed class ModuleMetadataTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public void Every_cmdlet_has_a_HelpUri_to_its_own_help_page()
    {
        var result = _session.Run("Get-Command -Module SkyPilot.PowerShell | ForEach-Object { $_.Name + ' ' + $_.HelpUri }").ShouldSucceed();

        result.Output.Should().NotBeEmpty();
        foreach (var line in result.Output.Select(o => o.ToString()))
        {
            var parts = line.Split(' ');
            parts[1].Should().StartWith("https://").And.EndWith("/docs/help/" + parts[0] + ".md", line);
        }
    }

    [Fact]
    public void Manifest_names_this_project_and_its_license()
    {
        var result = _session.Run("$m = Get-Module SkyPilot.PowerShell; $m.ProjectUri; $m.LicenseUri").ShouldSucceed();

        var project = result.Output[0].ToString();
        project.Should().StartWith("https://").And.NotContain("skypilot-org/skypilot");
        result.Output[1].ToString().Should().Contain("apache.org/licenses/LICENSE-2.0");
        _session.Run("(Get-Command Test-SkyCloud).HelpUri").ShouldSucceed().Output[0].ToString().Should().StartWith(project);
    }
}
