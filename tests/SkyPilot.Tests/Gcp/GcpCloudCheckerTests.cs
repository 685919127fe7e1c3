using System.Diagnostics;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Gcp;

public sealed class GcpCloudCheckerTests : IAsyncLifetime
{
    private GcpWorld _world = null!;
    private readonly RecordingLog _log = new();

    public async Task InitializeAsync() => _world = await GcpWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private GcpCloudChecker Checker() => new(SharedHttpClient.Instance, _log);

    /// <summary>Service account a@proj, granted every permission the checks test, is the identity.</summary>
    private void UseKeyWithEveryPermission()
    {
        _world.ServiceAccount("a", "proj", GcpWorld.AllPermissions());
        _world.UseKey("a");
    }

    private async Task<Dictionary<Capability, CapabilityResult>> CheckAsync(params Capability[] capabilities)
    {
        var results = await Checker().Resolve(_world.Environment()).CheckAsync(capabilities.Length == 0 ? [Capability.Compute, Capability.Storage] : capabilities, CancellationToken.None);
        return results.ToDictionary(r => r.Capability);
    }

    [Fact]
    public async Task An_identity_with_every_permission_is_allowed_for_both_capabilities_in_at_most_three_requests()
    {
        UseKeyWithEveryPermission();

        var results = await CheckAsync();

        results[Capability.Compute].Status.Should().Be(CheckStatus.Allowed, results[Capability.Compute].Reason);
        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed);
        results[Capability.Compute].Reason.Should().Contain("Compute Engine API enabled");
        results[Capability.Compute].Hint.Should().BeNull();
        results[Capability.Compute].PermissionsTested.Should().Contain("compute.firewalls.create").And.Contain("serviceusage.services.enable");
        results[Capability.Storage].PermissionsTested.Should().BeEquivalentTo(GcpWorld.StoragePermissions());
        results[Capability.Compute].Identity.Account.Should().Be("a@proj.iam.gserviceaccount.com");
        results[Capability.Compute].Duration.Should().BePositive();
        _world.Server.Requests.Should().HaveCount(3);
        _world.Server.CountRequests("/token").Should().Be(1);
        _world.Server.CountRequests(":testIamPermissions").Should().Be(1);
        _world.Server.CountRequests("/compute/v1/projects/proj").Should().Be(1);
    }

    [Fact]
    public async Task Seed_scenario_storage_allowed_compute_denied_names_exactly_the_missing_permissions()
    {
        var missing = new[] { "compute.firewalls.create", "compute.instances.create" };
        _world.ServiceAccount("b", "proj", GcpWorld.AllPermissions().Except(missing));
        _world.UseKey("b");

        var results = await CheckAsync();

        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed);
        var compute = results[Capability.Compute];
        compute.Status.Should().Be(CheckStatus.MissingPermissions);
        compute.MissingPermissions.Should().BeEquivalentTo(missing);
        compute.Reason.Should().Contain("compute.firewalls.create").And.Contain("compute.instances.create");
        compute.Hint.Should().Contain("gcloud projects add-iam-policy-binding proj --member=serviceAccount:b@proj.iam.gserviceaccount.com --role=roles/compute.admin");
    }

    [Fact]
    public async Task Only_storage_requested_tests_only_storage_and_skips_compute_api()
    {
        _world.ServiceAccount("s", "proj", GcpWorld.StoragePermissions());
        _world.UseKey("s");

        var results = await CheckAsync(Capability.Storage);

        results.Keys.Should().Equal(Capability.Storage);
        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed);
        _world.Server.CountRequests("/compute/").Should().Be(0);
    }

    [Fact]
    public async Task Custom_vpc_drops_firewall_permissions_and_reservations_add_reservation_list()
    {
        _world.ServiceAccount("v", "proj", GcpWorld.AllPermissions().Except(GcpPermissions.Firewall).Except(GcpPermissions.Reservations));
        _world.UseKey("v");
        _world.Temp.WriteFile(Path.Combine("home", ".sky", "config.yaml"), "gcp:\n  vpc_name: shared-vpc\n");

        (await CheckAsync(Capability.Compute))[Capability.Compute].Status.Should().Be(CheckStatus.Allowed);

        _world.Temp.WriteFile(Path.Combine("home", ".sky", "config.yaml"), "gcp:\n  vpc_name: shared-vpc\n  specific_reservations:\n    - projects/proj/reservations/r1\n");
        var compute = (await CheckAsync(Capability.Compute))[Capability.Compute];
        compute.Status.Should().Be(CheckStatus.MissingPermissions);
        compute.MissingPermissions.Should().Equal("compute.reservations.list");
    }

    [Fact]
    public async Task Disabled_compute_api_is_reported_as_api_disabled_not_missing_permissions()
    {
        UseKeyWithEveryPermission();
        _world.Server.DisableApi("proj", "compute.googleapis.com");

        var results = await CheckAsync();

        results[Capability.Compute].Status.Should().Be(CheckStatus.ApiDisabled);
        results[Capability.Compute].Reason.Should().Contain("Compute Engine API").And.Contain("disabled");
        results[Capability.Compute].Hint.Should().Be("gcloud services enable compute.googleapis.com --project proj");
        results[Capability.Compute].MissingPermissions.Should().BeEmpty();
        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed);
    }

    [Fact]
    public async Task Disabled_resource_manager_api_disables_both_with_its_own_hint()
    {
        UseKeyWithEveryPermission();
        _world.Server.DisableApi("proj", "cloudresourcemanager.googleapis.com");

        var results = await CheckAsync();

        results.Values.Should().OnlyContain(r => r.Status == CheckStatus.ApiDisabled);
        results[Capability.Storage].Hint.Should().Be("gcloud services enable cloudresourcemanager.googleapis.com --project proj");
    }

    [Fact]
    public async Task Token_endpoint_refusing_the_key_is_authentication_failed_with_a_new_key_hint()
    {
        var key = _world.ServiceAccount("gone", "proj", GcpWorld.AllPermissions());
        _world.Server.RefuseKey(key);
        _world.UseKey("gone");

        var results = await CheckAsync();

        results.Values.Should().OnlyContain(r => r.Status == CheckStatus.AuthenticationFailed);
        results[Capability.Compute].Reason.Should().Contain("invalid_grant");
        results[Capability.Compute].Hint.Should().Contain("gcloud iam service-accounts keys create");
        _world.Server.CountRequests(":testIamPermissions").Should().Be(0);
    }

    [Fact]
    public async Task A_401_from_the_api_is_authentication_failed()
    {
        UseKeyWithEveryPermission();
        _world.Server.InjectFault(":testIamPermissions", Fault.Status(401));

        var results = await CheckAsync();

        results[Capability.Storage].Status.Should().Be(CheckStatus.AuthenticationFailed);
        results[Capability.Storage].Reason.Should().Contain("401");
    }

    [Fact]
    public async Task A_403_on_the_project_says_it_may_not_exist()
    {
        UseKeyWithEveryPermission();
        _world.Server.InjectFault(":testIamPermissions", Fault.Status(403));

        var results = await CheckAsync();

        results[Capability.Storage].Status.Should().Be(CheckStatus.ProjectNotFound);
        results[Capability.Storage].Hint.Should().Contain("gcloud projects list");
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_retried_after_the_asked_delay()
    {
        UseKeyWithEveryPermission();
        _world.Server.InjectFault(":testIamPermissions", Fault.Status(429, retryAfterSeconds: 1));

        var results = await CheckAsync(Capability.Storage);

        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed);
        var calls = _world.Server.Requests.Where(r => r.Path.Contains(":testIamPermissions")).ToList();
        calls.Should().HaveCount(2);
        (calls[1].At - calls[0].At).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(900));
        _log.Lines.Should().Contain(l => l.Contains("HTTP 429") && l.Contains("retrying"));
    }

    [Fact]
    public async Task Persistent_500s_end_unreachable_after_the_configured_attempts()
    {
        UseKeyWithEveryPermission();
        _world.Server.InjectFault(":testIamPermissions", Fault.Status(500), times: 3);

        var results = await CheckAsync(Capability.Storage);

        results[Capability.Storage].Status.Should().Be(CheckStatus.Unreachable);
        results[Capability.Storage].Reason.Should().Contain("500");
        results[Capability.Storage].Hint.Should().Contain("retry");
        _world.Server.CountRequests(":testIamPermissions").Should().Be(3);
    }

    [Fact]
    public async Task A_dropped_connection_is_retried()
    {
        UseKeyWithEveryPermission();
        _world.Server.InjectFault(":testIamPermissions", Fault.DropConnection());

        var results = await CheckAsync(Capability.Storage);

        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed);
        _world.Server.CountRequests(":testIamPermissions").Should().Be(2);
    }

    [Fact]
    public async Task A_slow_server_times_out_per_attempt_and_ends_unreachable()
    {
        UseKeyWithEveryPermission();
        _world.Set("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "0.3");
        _world.Set("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "2");
        _world.Server.InjectFault(":testIamPermissions", Fault.Slow(TimeSpan.FromSeconds(10)), times: 2);

        var stopwatch = Stopwatch.StartNew();
        var results = await CheckAsync(Capability.Storage);

        results[Capability.Storage].Status.Should().Be(CheckStatus.Unreachable);
        results[Capability.Storage].Reason.Should().Contain("no answer within 0.3 s");
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_server_that_refuses_connections_is_unreachable()
    {
        UseKeyWithEveryPermission();
        _world.Set("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER", "http://127.0.0.1:1/");
        _world.Set("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "1");

        var results = await CheckAsync(Capability.Storage);

        results[Capability.Storage].Status.Should().Be(CheckStatus.Unreachable);
        results[Capability.Storage].Reason.Should().Contain("127.0.0.1:1");
    }

    [Fact]
    public async Task Token_endpoint_unreachable_is_unreachable_not_a_crash()
    {
        var key = _world.ServiceAccount("a", "proj", GcpWorld.AllPermissions());
        File.WriteAllText(_world.KeyPath("a"), key.Json.Replace(_world.Server.TokenUri, "http://127.0.0.1:1/token"));
        _world.UseKey("a");

        var results = await CheckAsync(Capability.Storage);

        results[Capability.Storage].Status.Should().Be(CheckStatus.Unreachable);
        results[Capability.Storage].Reason.Should().Contain("token endpoint");
    }

    [Fact]
    public async Task Local_problems_are_reported_without_any_request()
    {
        _world.Set("GOOGLE_APPLICATION_CREDENTIALS", _world.Temp.Combine("missing.json"));

        var results = await CheckAsync();

        results.Values.Should().OnlyContain(r => r.Status == CheckStatus.NoCredentials && r.Hint != null);
        _world.Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Cancellation_stops_a_check_in_flight_promptly()
    {
        UseKeyWithEveryPermission();
        _world.Server.InjectFault(":testIamPermissions", Fault.Slow(TimeSpan.FromSeconds(20)));
        using var cancellation = new CancellationTokenSource();
        var check = Checker().Resolve(_world.Environment()).CheckAsync([Capability.Storage], cancellation.Token);

        // Cancel once the call is in flight, and time only what cancelling takes.
        SpinWait.SpinUntil(() => _world.Server.CountRequests(":testIamPermissions") > 0, TimeSpan.FromSeconds(10)).Should().BeTrue();
        var stopwatch = Stopwatch.StartNew();
        cancellation.Cancel();

        await check.Invoking(c => c).Should().ThrowAsync<OperationCanceledException>();
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Tokens_never_appear_in_the_debug_trace()
    {
        UseKeyWithEveryPermission();

        await CheckAsync();

        _log.Lines.Should().Contain(l => l.Contains("HTTP POST") && l.Contains(":testIamPermissions -> 200"));
        _log.Lines.Should().NotContain(l => l.Contains("fake-"));
    }
}
