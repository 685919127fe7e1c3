using System.Text.Json.Nodes;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// Issue 10 items 3, 4 and 7 through the real engine: inputs that used to take the host down or break every cmdlet.
/// A stack overflow kills the process, so the nesting cases run in a child pwsh.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class FaultInputTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public async Task Deeply_nested_task_yaml_and_config_are_errors_and_the_pwsh_process_survives()
    {
        var directory = Path.Combine(Path.GetTempPath(), "skyps-deep-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var task = Path.Combine(directory, "deep.yaml");
        File.WriteAllText(task, "run: echo\nenvs: {A: " + new string('[', 40_000) + new string(']', 40_000) + "}\n");
        var config = Path.Combine(directory, "config.yaml");
        File.WriteAllText(config, "jobs: " + string.Concat(Enumerable.Repeat("{a: ", 100_000)) + "1" + new string('}', 100_000) + "\n");
        var script = """
            Import-Module $env:SKY_MODULE
            Submit-SkyJob -Path $env:SKY_TASK -WhatIf -ErrorVariable failed -ErrorAction SilentlyContinue
            "ERROR $($failed[0].FullyQualifiedErrorId) :: $($failed[0].Exception.Message)"
            $env:SKYPILOT_CONFIG = $env:SKY_CONFIG
            $r = Test-SkyCloud gcp -WarningVariable warned -WarningAction SilentlyContinue
            "CONFIG $(@($warned | Where-Object { "$_" -like '*not valid YAML*' }).Count)"
            "ALIVE"
            """;

        var result = await Pwsh.RunAsync(["-NoProfile", "-Command", script], ChildPwshEnvironment.For(world.Gcp.Variables, ("SKY_TASK", task), ("SKY_CONFIG", config)), TimeSpan.FromMinutes(3));

        result.ExitCode.Should().Be(0, result.ToString());
        result.StandardOutput.Should().Contain("ALIVE", result.ToString()).And.NotContain("Stack overflow");
        result.StandardOutput.Should().MatchRegex("ERROR InvalidTaskFile[^ ]* :: .*deep.yaml:2: .*nested more than 64 levels", result.ToString());
        result.StandardOutput.Should().Contain("CONFIG 1", result.ToString());
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void A_cache_entry_with_an_out_of_range_field_is_dropped_with_a_warning_and_every_cache_cmdlet_still_works()
    {
        using var env = world.UseGcp(("SKYPILOT_PS_CACHE_DIR", Path.Combine(Path.GetTempPath(), "skyps-cache-" + Guid.NewGuid().ToString("N")[..8])));
        _session.Run("Test-SkyCloud gcp").ShouldSucceed();
        var cachePath = Path.Combine(System.Environment.GetEnvironmentVariable("SKYPILOT_PS_CACHE_DIR")!, "powershell-check-cache.json");
        var root = JsonNode.Parse(File.ReadAllText(cachePath))!;
        root["entries"]![0]!["expiresAtMs"] = 253402300800001;
        root["entries"]![1]!["durationMs"] = "NaN";
        File.WriteAllText(cachePath, root.ToJsonString());

        var listed = _session.Run("Get-SkyCache").ShouldSucceed();
        var checkedAgain = _session.Run("Test-SkyCloud gcp -Refresh").ShouldSucceed();
        var cleared = _session.Run("Clear-SkyCache -Confirm:$false -PassThru").ShouldSucceed();

        listed.Output.Should().BeEmpty("both entries were bad");
        listed.Warnings.Should().ContainSingle(w => w.Contains("2 entries were dropped"));
        ((bool)checkedAgain.Value().Compute.Allowed).Should().BeTrue();
        cleared.Output.Should().HaveCount(2, "the refreshed results were stored over the repaired file");
        _session.Run("Get-SkyCache").ShouldSucceed().Warnings.Should().BeEmpty();
    }

    [Fact]
    public void An_out_of_range_setting_is_one_warning_and_the_check_still_runs()
    {
        using var env = world.UseGcp(("SKYPILOT_PS_CACHE_TTL_MINUTES", "1e10"), ("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "1e300"));

        var result = _session.Run("Test-SkyCloud gcp -Refresh").ShouldSucceed();

        ((bool)result.Value().Compute.Allowed).Should().BeTrue();
        result.Warnings.Should().ContainSingle(w => w.StartsWith("SKYPILOT_PS_CACHE_TTL_MINUTES='1e10' is out of range") && w.Contains("using the default 60"));
        result.Warnings.Should().ContainSingle(w => w.StartsWith("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS='1e300' is out of range") && w.Contains("using the default 20"));
    }
}
