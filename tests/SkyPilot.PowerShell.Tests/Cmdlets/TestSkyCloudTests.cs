using System.Management.Automation;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

[Collection(EngineCollection.Name)]
public sealed class TestSkyCloudTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public void Emits_one_typed_result_per_cloud_with_compute_storage_and_identity()
    {
        using var env = world.UseGcp();

        var result = _session.Run("Test-SkyCloud -Cloud gcp -Verbose -Debug").ShouldSucceed();

        var check = result.Output.Should().ContainSingle().Subject;
        check.TypeNames.Should().Contain("SkyPilot.Core.Checks.CloudCheckResult");
        ((string)check.Properties["Cloud"].Value).Should().Be("gcp");
        ((bool)((PSObject)PSObject.AsPSObject(check.Properties["Compute"].Value)).Properties["Allowed"].Value).Should().BeTrue();
        ((bool)((PSObject)PSObject.AsPSObject(check.Properties["Storage"].Value)).Properties["Allowed"].Value).Should().BeTrue();
        check.Properties["Identity"].Value.ToString().Should().Contain(world.Jobs.Email);
        result.Verbose.Should().Contain(v => v.Contains("Checking gcp"));
        result.Debug.Should().Contain(d => d.Contains(":testIamPermissions -> 200"));
    }

    [Fact]
    public void Seed_scenario_after_a_gcloud_project_switch_reports_the_new_identity_without_refresh()
    {
        using var env = world.UseGcp(("GOOGLE_CLOUD_PROJECT", null));
        world.Gcp.Gcloud.RunAsync("config", "set", "project", "project-a").GetAwaiter().GetResult();
        ((bool)_session.Run("Test-SkyCloud gcp").ShouldSucceed().Value().Compute.Allowed).Should().BeTrue();

        world.Gcp.Gcloud.RunAsync("config", "set", "project", "project-b").GetAwaiter().GetResult();
        var after = _session.Run("Test-SkyCloud gcp").ShouldSucceed().Value();

        ((bool)after.FromCache).Should().BeFalse();
        ((bool)after.Compute.Allowed).Should().BeFalse();
        ((IEnumerable<object>)after.Compute.MissingPermissions).Select(p => p.ToString()).Should().Contain(JobWorld.ComputeMissingOnB);
        ((bool)after.Storage.Allowed).Should().BeTrue();
    }

    [Fact]
    public void Second_call_is_served_from_the_cache_for_the_same_identity()
    {
        using var env = world.UseGcp();
        _session.Run("Test-SkyCloud gcp").ShouldSucceed();

        var second = _session.Run("Test-SkyCloud gcp").ShouldSucceed().Value();

        ((bool)second.FromCache).Should().BeTrue();
    }
}
