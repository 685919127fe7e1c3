using SkyPilot.Core.Checks;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Gcp;

/// <summary>
/// Identity switches made with the real gcloud CLI against a private CLOUDSDK_CONFIG: the module must read
/// gcloud's real files the way gcloud does.
/// </summary>
public sealed class GcloudSwitchingTests : IAsyncLifetime
{
    private static readonly string[] ComputeOnlyMissing = ["compute.firewalls.create", "compute.instances.create"];
    private GcpWorld _world = null!;

    public async Task InitializeAsync()
    {
        Gcloud.Locate().Should().NotBeNull("gcloud must be installed for these tests (CI checks for it)");
        _world = await GcpWorld.StartAsync();

        // One service account: everything on project-a; storage, but not compute.firewalls.create/instances.create, on project-b.
        var key = _world.ServiceAccount("deployer", "project-a", GcpWorld.AllPermissions());
        _world.Server.Grant(key.Email, "project-b", GcpWorld.AllPermissions().Except(ComputeOnlyMissing));
        _world.UseKey("deployer");

        await _world.Gcloud.RunAsync("config", "configurations", "create", "team-a");
        await _world.Gcloud.RunAsync("config", "set", "account", key.Email);
        await _world.Gcloud.RunAsync("config", "set", "project", "project-a");
        await _world.Gcloud.RunAsync("config", "configurations", "create", "team-b");
        await _world.Gcloud.RunAsync("config", "set", "account", key.Email);
        await _world.Gcloud.RunAsync("config", "set", "project", "project-b");
        await _world.Gcloud.RunAsync("config", "configurations", "activate", "team-a");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task<Dictionary<Capability, CapabilityResult>> CheckAsync()
    {
        var results = await new GcpCloudChecker(SharedHttpClient.Instance, new RecordingLog())
            .Resolve(_world.Environment()).CheckAsync([Capability.Compute, Capability.Storage], CancellationToken.None);
        return results.ToDictionary(r => r.Capability);
    }

    [Fact]
    public async Task Activating_another_configuration_changes_identity_fingerprint_and_results()
    {
        var before = GcpIdentityResolver.Resolve(_world.Environment());
        before.Configuration.Should().Be("team-a");
        before.Project.Should().Be("project-a");
        (await CheckAsync()).Values.Should().OnlyContain(r => r.Status == CheckStatus.Allowed);

        await _world.Gcloud.RunAsync("config", "configurations", "activate", "team-b");

        var after = GcpIdentityResolver.Resolve(_world.Environment());
        after.Configuration.Should().Be("team-b");
        after.Project.Should().Be("project-b");
        after.Fingerprint.Should().NotBe(before.Fingerprint);
        var results = await CheckAsync();
        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed);
        results[Capability.Compute].Status.Should().Be(CheckStatus.MissingPermissions);
        results[Capability.Compute].MissingPermissions.Should().BeEquivalentTo(ComputeOnlyMissing);
        results[Capability.Compute].Identity.Project.Should().Be("project-b");
    }

    [Fact]
    public async Task CLOUDSDK_ACTIVE_CONFIG_NAME_switches_without_touching_files()
    {
        var before = GcpIdentityResolver.Resolve(_world.Environment());
        _world.Set("CLOUDSDK_ACTIVE_CONFIG_NAME", "team-b");

        var after = GcpIdentityResolver.Resolve(_world.Environment());

        after.Configuration.Should().Be("team-b");
        after.Fingerprint.Should().NotBe(before.Fingerprint);
        (await CheckAsync())[Capability.Compute].Status.Should().Be(CheckStatus.MissingPermissions);
    }

    [Fact]
    public async Task CLOUDSDK_CORE_PROJECT_switches_the_project()
    {
        var before = GcpIdentityResolver.Resolve(_world.Environment());
        _world.Set("CLOUDSDK_CORE_PROJECT", "project-b");

        var after = GcpIdentityResolver.Resolve(_world.Environment());

        after.Project.Should().Be("project-b");
        after.ProjectSource.Should().Be("CLOUDSDK_CORE_PROJECT");
        after.Fingerprint.Should().NotBe(before.Fingerprint);
        (await CheckAsync())[Capability.Compute].MissingPermissions.Should().BeEquivalentTo(ComputeOnlyMissing);
    }

    [Fact]
    public async Task gcloud_config_set_account_to_someone_else_warns_that_gcloud_and_ADC_differ()
    {
        await _world.Gcloud.RunAsync("config", "set", "account", "alice@example.com");

        var identity = GcpIdentityResolver.Resolve(_world.Environment());

        identity.GcloudAccount.Should().Be("alice@example.com");
        identity.Account.Should().Be("deployer@project-a.iam.gserviceaccount.com");
        identity.Warnings.Should().ContainSingle().Which.Should().Contain("alice@example.com");
    }

    [Fact]
    public async Task Endpoint_overrides_set_as_gcloud_properties_are_honoured()
    {
        _world.Set("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER", null);
        await _world.Gcloud.RunAsync("config", "set", "api_endpoint_overrides/cloudresourcemanager", _world.Server.BaseUrl + "/");

        var results = await CheckAsync();

        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed);
        _world.Server.CountRequests("project-a:testIamPermissions").Should().Be(1);
    }
}
