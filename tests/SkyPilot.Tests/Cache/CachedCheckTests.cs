using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Cache;

/// <summary>
/// The cache in front of real checks: the seed scenario with the real gcloud, request counting at the loopback server,
/// and expiry with an injectable clock.
/// </summary>
public sealed class CachedCheckTests : IAsyncLifetime
{
    private static readonly string[] Missing = ["compute.firewalls.create", "compute.instances.create"];
    private readonly ManualClock _clock = new();
    private readonly RecordingLog _log = new();
    private GcpWorld _world = null!;
    private string _email = string.Empty;

    public async Task InitializeAsync()
    {
        _world = await GcpWorld.StartAsync();
        _world.Set("SKYPILOT_PS_CACHE_DIR", _world.Temp.Combine("cache"));
        var key = _world.ServiceAccount("deployer", "project-a", GcpWorld.AllPermissions());
        _email = key.Email;
        _world.Server.Grant(key.Email, "project-b", GcpWorld.AllPermissions().Except(Missing));
        _world.UseKey("deployer");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private CloudCheckService Service()
    {
        var env = _world.Environment();
        var cache = new CheckCache(CacheSettings.FromEnvironment(env), _log, _clock.Func);
        return new CloudCheckService([new GcpCloudChecker(SharedHttpClient.Instance, _log, _clock.Func)], cache, _clock.Func);
    }

    private async Task<CloudCheckResult> CheckAsync(bool refresh = false) =>
        (await Service().CheckAsync(_world.Environment(), ["gcp"], null, refresh, CancellationToken.None)).Single();

    private async Task CreateConfigurationsAsync()
    {
        await _world.Gcloud.RunAsync("config", "configurations", "create", "team-a");
        await _world.Gcloud.RunAsync("config", "set", "account", _email);
        await _world.Gcloud.RunAsync("config", "set", "project", "project-a");
        await _world.Gcloud.RunAsync("config", "configurations", "create", "team-b");
        await _world.Gcloud.RunAsync("config", "set", "account", _email);
        await _world.Gcloud.RunAsync("config", "set", "project", "project-b");
        await _world.Gcloud.RunAsync("config", "configurations", "activate", "team-a");
    }

    [Fact]
    public async Task A_second_check_with_nothing_changed_is_served_from_cache_with_zero_requests()
    {
        _world.Set("GOOGLE_CLOUD_PROJECT", "project-a");
        var first = await CheckAsync();
        first.FromCache.Should().BeFalse();
        first.Enabled.Should().BeTrue();
        var requests = _world.Server.Requests.Count;

        var second = await CheckAsync();

        second.FromCache.Should().BeTrue();
        second.Enabled.Should().BeTrue();
        second.Compute!.PermissionsTested.Should().BeEquivalentTo(first.Compute!.PermissionsTested);
        second.Identity.Fingerprint.Should().Be(first.Identity.Fingerprint);
        _world.Server.Requests.Count.Should().Be(requests);
    }

    [Fact]
    public async Task Refresh_bypasses_and_rewrites_the_cache()
    {
        _world.Set("GOOGLE_CLOUD_PROJECT", "project-a");
        await CheckAsync();
        _world.Server.Revoke(_email, "project-a", "storage.buckets.delete");

        (await CheckAsync()).Storage!.Allowed.Should().BeTrue("the cached result is still fresh");
        var refreshed = await CheckAsync(refresh: true);
        refreshed.FromCache.Should().BeFalse();
        refreshed.Storage!.MissingPermissions.Should().Equal("storage.buckets.delete");

        (await CheckAsync()).Should().Match<CloudCheckResult>(r => r.FromCache && !r.Storage!.Allowed);
    }

    [Fact]
    public async Task Seed_scenario_with_real_gcloud_configuration_switch_never_returns_the_other_identitys_result()
    {
        await CreateConfigurationsAsync();
        var asA = await CheckAsync();
        asA.Enabled.Should().BeTrue();
        asA.Identity.Project.Should().Be("project-a");

        await _world.Gcloud.RunAsync("config", "configurations", "activate", "team-b");
        var asB = await CheckAsync();

        asB.FromCache.Should().BeFalse();
        asB.Identity.Project.Should().Be("project-b");
        asB.Storage!.Allowed.Should().BeTrue();
        asB.Compute!.Status.Should().Be(CheckStatus.MissingPermissions);
        asB.Compute.MissingPermissions.Should().BeEquivalentTo(Missing);

        // Switching back is served from A's still-valid entry.
        await _world.Gcloud.RunAsync("config", "configurations", "activate", "team-a");
        var backToA = await CheckAsync();
        backToA.FromCache.Should().BeTrue();
        backToA.Enabled.Should().BeTrue();
    }

    [Fact]
    public async Task Project_switch_by_CLOUDSDK_CORE_PROJECT_is_a_cache_miss()
    {
        await CreateConfigurationsAsync();
        (await CheckAsync()).Enabled.Should().BeTrue();

        _world.Set("CLOUDSDK_CORE_PROJECT", "project-b");
        var switched = await CheckAsync();

        switched.FromCache.Should().BeFalse();
        switched.Compute!.MissingPermissions.Should().BeEquivalentTo(Missing);
    }

    [Fact]
    public async Task Credential_switch_by_GOOGLE_APPLICATION_CREDENTIALS_is_a_cache_miss()
    {
        _world.Set("GOOGLE_CLOUD_PROJECT", "project-a");
        _world.ServiceAccount("storage-only", "project-a", GcpWorld.StoragePermissions());
        (await CheckAsync()).Enabled.Should().BeTrue();

        _world.UseKey("storage-only");
        var switched = await CheckAsync();

        switched.FromCache.Should().BeFalse();
        switched.Identity.Account.Should().Be("storage-only@project-a.iam.gserviceaccount.com");
        switched.Compute!.Allowed.Should().BeFalse();
        switched.Storage!.Allowed.Should().BeTrue();
    }

    [Fact]
    public async Task Get_validation_names_what_changed_since_each_entry_was_made()
    {
        await CreateConfigurationsAsync();
        await CheckAsync();
        await _world.Gcloud.RunAsync("config", "configurations", "activate", "team-b");

        var service = Service();
        var entries = service.Cache!.Read().Validate(cloud => service.ResolveIdentity(cloud, _world.Environment()), _clock.Now);

        entries.Should().HaveCount(2).And.OnlyContain(e => !e.IsValid && e.InvalidReason == "project changed: project-a → project-b");
    }

    [Fact]
    public async Task A_denied_result_is_rechecked_once_the_denied_ttl_has_passed()
    {
        _world.Set("GOOGLE_CLOUD_PROJECT", "project-b");
        (await CheckAsync()).Compute!.Allowed.Should().BeFalse();
        _world.Server.Grant(_email, "project-b", Missing);

        _clock.Advance(TimeSpan.FromMinutes(1));
        (await CheckAsync()).Should().Match<CloudCheckResult>(r => r.FromCache && !r.Compute!.Allowed);

        _clock.Advance(TimeSpan.FromMinutes(1.5));
        var rechecked = await CheckAsync();
        rechecked.Compute!.Allowed.Should().BeTrue();
        rechecked.Compute.CheckedAt.Should().Be(_clock.Now);
    }

    [Fact]
    public async Task An_allowed_result_is_rechecked_after_the_allowed_ttl()
    {
        _world.Set("GOOGLE_CLOUD_PROJECT", "project-a");
        _world.Set("SKYPILOT_PS_CACHE_TTL_MINUTES", "10");
        await CheckAsync();
        var requests = _world.Server.Requests.Count;

        _clock.Advance(TimeSpan.FromMinutes(9));
        (await CheckAsync()).FromCache.Should().BeTrue();
        _clock.Advance(TimeSpan.FromMinutes(2));
        (await CheckAsync()).FromCache.Should().BeFalse();
        _world.Server.Requests.Count.Should().BeGreaterThan(requests);
    }

    [Fact]
    public async Task A_changed_key_file_at_the_same_path_is_a_cache_miss()
    {
        _world.Set("GOOGLE_CLOUD_PROJECT", "project-a");
        await CheckAsync();
        var replacement = _world.Server.CreateServiceAccount("other@project-a.iam.gserviceaccount.com", "project-a");
        replacement.WriteTo(_world.KeyPath("deployer"));

        var result = await CheckAsync();

        result.FromCache.Should().BeFalse();
        result.Identity.Account.Should().Be("other@project-a.iam.gserviceaccount.com");
        result.Enabled.Should().BeFalse("the new key's account holds nothing");
    }

    [Fact]
    public async Task Cache_disabled_by_environment_always_checks()
    {
        _world.Set("GOOGLE_CLOUD_PROJECT", "project-a");
        _world.Set("SKYPILOT_PS_CACHE", "off");
        var service = CloudCheckService.CreateDefault(_world.Environment(), _log, SharedHttpClient.Instance, _clock.Func);

        await service.CheckAsync(_world.Environment(), ["gcp"], null, false, default);
        var second = (await service.CheckAsync(_world.Environment(), ["gcp"], null, false, default)).Single();

        second.FromCache.Should().BeFalse();
        service.Cache.Should().BeNull();
    }
}
