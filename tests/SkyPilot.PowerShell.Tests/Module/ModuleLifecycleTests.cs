namespace SkyPilot.PowerShell.Tests.Module;

/// <summary>
/// Import, re-import, removal and parallel use of the staged module, each in a fresh pwsh process: a cmdlet that
/// already ran in a process keeps working whatever happens next, so only a fresh process shows the failure.
/// </summary>
public sealed class ModuleLifecycleTests
{
    [Theory]
    [InlineData("ForceBeforeUse")]
    [InlineData("ForceAfterUse")]
    [InlineData("RemoveThenImport")]
    [InlineData("OtherRunspaceRemoves")]
    [InlineData("TwoCopies")]
    [InlineData("ForEachParallel")]
    [InlineData("ThreadJob")]
    [InlineData("AutoLoad")]
    [InlineData("Requires")]
    public async Task Every_cmdlet_keeps_working(string scenario)
    {
        var result = await Pwsh.RunAsync(["-File", Path.Combine(RepositoryPaths.Root, "tests", "lifecycle", "scenarios.ps1"), "-Scenario", scenario]);

        result.ExitCode.Should().Be(0, result.ToString());
        result.StandardOutput.Should().Contain("every cmdlet loads", result.ToString());
    }
}
