using System.Management.Automation;
using System.Text.RegularExpressions;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>Issue 11 items 2, 9, 10 and 15: what people read, export, serialize and test in one line.</summary>
[Collection(EngineCollection.Name)]
public sealed class OutputTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public void A_check_result_survives_PSSerializer_with_its_nested_results_lists_and_dates()
    {
        using var env = world.UseGcp();

        var result = _session.Run("""
            $x = Test-SkyCloud gcp
            $r = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($x, 3))
            $r.Compute.Allowed
            $r.Storage.Allowed
            $r.Identity.Account
            @($r.Compute.PermissionsTested).Count
            $r.Compute.CheckedAt.UtcDateTime -is [datetime]
            """).ShouldSucceed();

        result.Output.Select(o => o.ToString()).Should().Equal("True", "True", world.Jobs.Email, result.Output[3].ToString(), "True");
        ((int)result.Output[3].BaseObject).Should().BeGreaterThan(3);
    }

    [Fact]
    public void A_check_result_exports_to_a_readable_csv_row()
    {
        using var env = world.UseGcp();

        var csv = string.Join("\n", _session.Run("Test-SkyCloud gcp | ConvertTo-Csv").ShouldSucceed().Output.Select(o => o.ToString()));

        csv.Should().NotContain("System.Collections").And.NotContain("List`1").And.NotContain("+<").And.NotContain("[]");
        csv.Should().Contain("gcp compute: enabled").And.Contain(world.Jobs.Email);
        var capability = string.Join("\n", _session.Run("(Test-SkyCloud gcp).Compute | ConvertTo-Csv").ShouldSucceed().Output.Select(o => o.ToString()));
        capability.Should().MatchRegex(@"compute\.[a-zA-Z.]+, compute\.").And.NotContain("System.");
    }

    [Fact]
    public void Capabilities_and_permission_lists_are_lists_not_iterators()
    {
        using var env = world.UseGcp();

        var result = _session.Run("$r = Test-SkyCloud gcp; $r.Capabilities -is [System.Collections.IList]; $r.Capabilities.Count; $r.Compute.PermissionsTested -is [System.Collections.IList]").ShouldSucceed();

        result.Output.Select(o => o.ToString()).Should().Equal("True", "2", "True");
    }

    [Fact]
    public void Enums_read_as_names_with_EnumsAsStrings()
    {
        using var env = world.UseGcp();

        var json = _session.Run("(Test-SkyCloud gcp).Compute | ConvertTo-Json -Depth 3 -EnumsAsStrings").ShouldSucceed().Output[0].ToString();

        json.Should().Contain("\"Status\": \"Allowed\"").And.Contain("\"Capability\": \"Compute\"");
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void Test_SkyCloud_table_fits_the_width_with_identity_and_cached_visible(int width)
    {
        using var env = world.UseGcp();
        _session.Run("Test-SkyCloud gcp").ShouldSucceed();

        var text = _session.Run("Test-SkyCloud gcp | Out-String -Width $args[0]", width).ShouldSucceed().Output[0].ToString();

        AssertFits(text, width, "Cached", "Identity", "GCP");
        text.Should().Contain("yes").And.Contain("project_id=project-a");
        Regex.Replace(text, @"\s", string.Empty).Should().Contain(world.Jobs.Email, "the identity wraps, it is never cut");
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void Identity_and_cache_tables_fit_the_width_with_the_account_visible(int width)
    {
        using var env = world.UseGcp();
        _session.Run("Test-SkyCloud gcp").ShouldSucceed();

        var identity = _session.Run("Get-SkyCloudIdentity gcp | Out-String -Width $args[0]", width).ShouldSucceed().Output[0].ToString();
        var cache = _session.Run("Get-SkyCache gcp | Out-String -Width $args[0]", width).ShouldSucceed().Output[0].ToString();

        AssertFits(identity, width, "Account", "project-a", "service_account");
        Regex.Replace(identity, @"\s", string.Empty).Should().Contain(world.Jobs.Email);
        AssertFits(cache, width, "Valid", "Compute", "Storage");
        Regex.Replace(cache, @"\s", string.Empty).Should().Contain(world.Jobs.Email);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void Job_table_fits_the_width_with_the_submitted_date_whole(int width)
    {
        using var env = world.UseGcp();
        var task = world.Jobs.WriteTask();
        _session.Run("Set-Location $args[1]; Submit-SkyJob -Path $args[0] -Name width-check", task, world.Jobs.TaskDirectory).ShouldSucceed();

        var text = _session.Run("Get-SkyJob -Name width-check | Out-String -Width $args[0]", width).ShouldSucceed().Output[0].ToString();

        AssertFits(text, width, "FailureReason", "width-check");
        text.Should().MatchRegex(@"\d{4}-\d\d-\d\d \d\d:\d\d");
    }

    [Fact]
    public void Quiet_returns_true_or_false_for_a_one_line_CI_check()
    {
        using (world.UseGcp())
        {
            var allowed = _session.Run("Test-SkyCloud gcp -Capability Compute -Quiet").ShouldSucceed();
            allowed.Output.Should().ContainSingle().Which.BaseObject.Should().Be(true);
        }

        using (world.UseGcp(("GOOGLE_APPLICATION_CREDENTIALS", world.Gcp.KeyPath("storage-only"))))
        {
            var denied = _session.Run("Test-SkyCloud gcp -Capability Compute -Quiet").ShouldSucceed();
            denied.Output.Should().ContainSingle().Which.BaseObject.Should().Be(false);
            var storage = _session.Run("if (Test-SkyCloud gcp -Capability Storage -Quiet) { 'go' } else { 'stop' }").ShouldSucceed();
            storage.Output.Should().ContainSingle().Which.ToString().Should().Be("go");
        }
    }

    private static void AssertFits(string text, int width, params string[] visible)
    {
        text.Split('\n').Should().OnlyContain(line => line.TrimEnd('\r').Length <= width, "every line fits " + width + " columns:\n" + text);
        text.Should().NotContain("…", "nothing is cut:\n" + text);
        foreach (var item in visible)
        {
            text.Should().Contain(item);
        }
    }
}
