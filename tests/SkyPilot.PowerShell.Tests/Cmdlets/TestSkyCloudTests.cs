using System.Management.Automation;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

[Collection(EngineCollection.Name)]
public sealed class TestSkyCloudTests(EngineWorld world, SharedSession session) : IClassFixture<SharedSession>
{
    private int GoogleRequests(string fragment = "") => world.Gcp.Server.CountRequests(fragment);

    [Fact]
    public void Emits_one_typed_result_per_cloud_with_compute_storage_and_identity()
    {
        using var env = world.UseGcp();

        var result = session.Run("Test-SkyCloud -Verbose -Debug").ShouldSucceed();

        // Every write reached its stream without error: the real engine refuses writes from any thread but the pipeline's.
        result.Output.Select(o => o.Text("Cloud")).Should().Equal("aws", "gcp", "kubernetes", "nebius");
        var check = result.Output.Single(o => o.Text("Cloud") == "gcp");
        check.TypeNames.Should().Contain("SkyPilot.Core.Checks.CloudCheckResult");
        check.Flag("Enabled").Should().BeTrue();
        check.Flag("Compute.Allowed").Should().BeTrue();
        check.Flag("Storage.Allowed").Should().BeTrue();
        check.Text("Summary").Should().Be("enabled [compute, storage]");
        check.Flag("FromCache").Should().BeFalse();
        check.Text("Identity.Account").Should().Be(world.Jobs.Email);
        check.ToString().Should().Be("GCP: enabled [compute, storage]");
        result.Verbose.Should().Contain(v => v.Contains("Checking aws, gcp, kubernetes, nebius"));
        result.Debug.Should().Contain(d => d.Contains(":testIamPermissions -> 200"));
    }

    [Fact]
    public void Seed_scenario_after_a_gcloud_project_switch_reports_the_new_identity_without_refresh()
    {
        using var env = world.UseGcp(("GOOGLE_CLOUD_PROJECT", null));
        world.Gcp.Gcloud.RunAsync("config", "set", "project", "project-a").GetAwaiter().GetResult();
        session.Run("Test-SkyCloud gcp").ShouldSucceed().Output.Single().Flag("Compute.Allowed").Should().BeTrue();

        world.Gcp.Gcloud.RunAsync("config", "set", "project", "project-b").GetAwaiter().GetResult();
        var after = session.Run("Test-SkyCloud gcp").ShouldSucceed().Output.Single();

        after.Flag("FromCache").Should().BeFalse();
        after.Flag("Compute.Allowed").Should().BeFalse();
        after.Strings("Compute.MissingPermissions").Should().Contain(JobWorld.ComputeMissingOnB);
        after.Flag("Storage.Allowed").Should().BeTrue();
    }

    [Fact]
    public void Seed_scenario_reports_compute_disabled_storage_enabled()
    {
        using var env = world.UseGcp(("GOOGLE_CLOUD_PROJECT", "project-b"));

        var result = session.Run("Test-SkyCloud -Cloud GCP").ShouldSucceed().Output.Single();

        result.Flag("Enabled").Should().BeFalse();
        result.Text("Summary").Should().Be("enabled [storage]");
        result.Strings("Compute.MissingPermissions").Should().BeEquivalentTo(JobWorld.ComputeMissingOnB);
    }

    [Fact]
    public void Second_call_is_served_from_the_cache_for_the_same_identity_and_Refresh_bypasses_it()
    {
        using var env = world.UseGcp();
        session.Run("Test-SkyCloud gcp").ShouldSucceed();
        var requests = GoogleRequests();

        var second = session.Run("Test-SkyCloud gcp").ShouldSucceed().Output.Single();

        second.Flag("FromCache").Should().BeTrue();
        GoogleRequests().Should().Be(requests, "a cached result needs no request");
        session.Run("Test-SkyCloud gcp -Refresh").ShouldSucceed().Output.Single().Flag("FromCache").Should().BeFalse();
        GoogleRequests().Should().BeGreaterThan(requests);
    }

    [Fact]
    public void Capability_parameter_limits_the_check()
    {
        using var env = world.UseGcp();
        var computeRequests = GoogleRequests("/compute/");

        var result = session.Run("Test-SkyCloud gcp -Capability Storage").ShouldSucceed().Output.Single();

        result.Get("Compute").Should().BeNull();
        result.Flag("Storage.Allowed").Should().BeTrue();
        GoogleRequests("/compute/").Should().Be(computeRequests);
    }

    [Fact]
    public void No_credentials_is_a_result_with_reason_and_hint_not_an_error()
    {
        using var env = world.UseGcp(("GOOGLE_APPLICATION_CREDENTIALS", null));

        var result = session.Run("Test-SkyCloud -Refresh; $?").ShouldSucceed();

        result.Output[^1].BaseObject.Should().Be(true, "no credentials is not an error: $? stays true");
        var gcp = result.Output.SkipLast(1).Single(o => o.Text("Cloud") == "gcp");
        gcp.Flag("Enabled").Should().BeFalse();
        gcp.Text("Compute.Status").Should().Be("NoCredentials");
        gcp.Text("Compute.Hint").Should().Contain("gcloud auth application-default login");
        result.Output.SkipLast(1).Single(o => o.Text("Cloud") == "nebius").Text("Compute.Hint").Should().Contain("nebius iam get-access-token");
        result.Output.SkipLast(1).Single(o => o.Text("Cloud") == "kubernetes").Text("Compute.Status").Should().Be("NoCredentials");
    }

    [Fact]
    public void Identity_warnings_go_to_the_warning_stream()
    {
        using var env = world.UseGcp(("CLOUDSDK_CORE_ACCOUNT", "someone@example.com"));

        var result = session.Run("Test-SkyCloud gcp -WarningVariable seen -WarningAction SilentlyContinue; $seen.Count").ShouldSucceed();

        result.Warnings.Should().BeEmpty("-WarningAction SilentlyContinue hides them");
        result.Output[^1].BaseObject.Should().Be(1, "-WarningVariable still collects the warning");
        var shown = session.Run("Test-SkyCloud gcp").ShouldSucceed();
        shown.Warnings.Should().ContainSingle().Which.Should().StartWith("GCP: gcloud's active account is someone@example.com");
    }

    [Fact]
    public void No_token_or_key_material_reaches_any_stream()
    {
        using var env = world.UseGcp();

        var text = session.Run("Test-SkyCloud -Refresh -Verbose -Debug").ShouldSucceed().Rendered();

        var privateKeyLine = File.ReadAllText(world.Gcp.KeyPath("deployer")).Split("\\n")[1];
        text.Should().Contain("testIamPermissions", "the HTTP trace was really written").And.NotContain("fake-").And.NotContain(privateKeyLine);
    }

    [Fact]
    public void A_corrupt_cache_file_warns_and_the_check_still_succeeds()
    {
        using var env = world.UseGcp();
        var cacheDirectory = Environment.GetEnvironmentVariable("SKYPILOT_PS_CACHE_DIR")!;
        Directory.CreateDirectory(cacheDirectory);
        File.WriteAllText(Path.Combine(cacheDirectory, "powershell-check-cache.json"), "{ this is not json");

        var result = session.Run("Test-SkyCloud gcp").ShouldSucceed();

        result.Output.Single().Flag("Enabled").Should().BeTrue();
        result.Warnings.Should().Contain(w => w.Contains("is damaged"));
        session.Run("Get-SkyCache").ShouldSucceed().Output.Should().HaveCount(2, "the cache was rebuilt with the new results");
    }

    [Fact]
    public void Ctrl_C_stops_a_check_in_flight_within_a_second()
    {
        using var env = world.UseGcp();
        var before = GoogleRequests(":testIamPermissions");
        world.Gcp.Server.InjectFault(":testIamPermissions", Fault.Slow(TimeSpan.FromSeconds(30)));

        var (result, took) = session.Session.RunAndStop("Test-SkyCloud gcp -Refresh", () => GoogleRequests(":testIamPermissions") > before, TimeSpan.FromSeconds(20));

        took.Should().BeLessThan(TimeSpan.FromSeconds(1));
        result.Terminating.Should().BeOfType<PipelineStoppedException>();
        result.Output.Should().BeEmpty();
        result.Errors.Should().BeEmpty("a stopped pipeline is not a failure of the cmdlet");
        session.Run("Test-SkyCloud gcp").ShouldSucceed(); // the runspace stays usable after the stop
    }
}
