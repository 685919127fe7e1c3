using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Kubernetes;

/// <summary>
/// Identity changes made with the real kubectl invalidate cached checks by themselves, and Get-SkyCache's reason says
/// what changed: a context switch (the seed scenario), a KUBECONFIG order swap, the same context name at a new server
/// (SkyPilot #8785), a rotated token, a removed kubeconfig.
/// </summary>
public sealed class KubernetesSwitchingTests : IAsyncLifetime
{
    private readonly KubernetesWorld _world = new();
    private FakeKubernetesServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await _world.StartServerAsync();
        _server.Grant("alice", "default", FakeKubernetesServer.SkyPilotRole);
        _server.Grant("bob", "default", FakeKubernetesServer.SkyPilotRole.Except(["create pods"]).ToArray());
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private string? WhyInvalid()
    {
        var service = _world.Service();
        var entries = service.Cache!.Read().Validate(cloud => service.ResolveIdentity(cloud, _world.Environment()), DateTimeOffset.UtcNow);
        return entries.Single(e => e.Cloud == KnownClouds.Kubernetes && e.Capability == Capability.Compute).InvalidReason;
    }

    [Fact]
    public async Task Seed_scenario_switching_to_a_context_without_pod_create_shows_the_missing_verb_without_refresh()
    {
        await _world.AddTokenContextAsync("team-a", _server, _server.IssueToken("alice"));
        await _world.AddTokenContextAsync("team-b", _server, _server.IssueToken("bob"));
        await _world.UseContextAsync("team-a");
        var first = await _world.CheckAsync();
        first.Enabled.Should().BeTrue(first.Compute!.Reason);
        (await _world.CheckAsync()).FromCache.Should().BeTrue();

        await _world.UseContextAsync("team-b");
        WhyInvalid().Should().Be("context changed: team-a → team-b");
        var afterSwitch = await _world.CheckAsync();

        afterSwitch.FromCache.Should().BeFalse();
        afterSwitch.Compute!.Status.Should().Be(CheckStatus.MissingPermissions);
        afterSwitch.Compute.MissingPermissions.Should().Equal("create pods");
        afterSwitch.Identity.Account.Should().Be("bob");

        await _world.UseContextAsync("team-a");
        var back = await _world.CheckAsync();
        back.FromCache.Should().BeTrue("team-a's entry is still valid for team-a");
        back.Enabled.Should().BeTrue();
    }

    [Fact]
    public async Task Swapping_the_KUBECONFIG_order_changes_the_current_context_and_the_identity()
    {
        var fileA = _world.Temp.Combine("a.yaml");
        var fileB = _world.Temp.Combine("b.yaml");
        _world.Set("KUBECONFIG", fileA);
        await _world.AddTokenContextAsync("team-a", _server, _server.IssueToken("alice"));
        await _world.UseContextAsync("team-a");
        _world.Set("KUBECONFIG", fileB);
        await _world.AddTokenContextAsync("team-b", _server, _server.IssueToken("bob"));
        await _world.UseContextAsync("team-b");

        _world.Set("KUBECONFIG", fileA + ":" + fileB);
        (await _world.Kubectl.RunAsync("config", "current-context")).Trim().Should().Be("team-a");
        var aFirst = await _world.CheckAsync();
        _world.Set("KUBECONFIG", fileB + ":" + fileA);
        (await _world.Kubectl.RunAsync("config", "current-context")).Trim().Should().Be("team-b");
        var bFirst = await _world.CheckAsync();

        aFirst.Identity.Configuration.Should().Be("team-a");
        aFirst.Enabled.Should().BeTrue();
        bFirst.FromCache.Should().BeFalse();
        bFirst.Identity.Configuration.Should().Be("team-b");
        bFirst.Compute!.MissingPermissions.Should().Equal("create pods");
    }

    [Fact]
    public async Task The_first_file_to_define_a_context_name_wins_as_in_kubectl()
    {
        var other = await _world.StartServerAsync();
        var fileA = _world.Temp.Combine("a.yaml");
        var fileB = _world.Temp.Combine("b.yaml");
        _world.Set("KUBECONFIG", fileA);
        await _world.AddTokenContextAsync("shared", _server, _server.IssueToken("alice"));
        await _world.UseContextAsync("shared");
        _world.Set("KUBECONFIG", fileB);
        await _world.AddTokenContextAsync("shared", other, other.IssueToken("alice"));

        _world.Set("KUBECONFIG", fileA + ":" + fileB);
        var identity = _world.Checker().Resolve(_world.Environment()).Identity;
        _world.Set("KUBECONFIG", fileB + ":" + fileA);
        var swapped = _world.Checker().Resolve(_world.Environment()).Identity;

        (await _world.Kubectl.RunAsync("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")).Should().Be(other.Server);
        identity.Endpoint.Should().Be(_server.Server);
        swapped.Endpoint.Should().Be(other.Server);
        swapped.Fingerprint.Should().NotBe(identity.Fingerprint);
    }

    [Fact]
    public async Task The_same_context_name_pointing_at_a_new_server_is_a_new_identity_SkyPilot_8785()
    {
        await _world.AddTokenContextAsync("dev", _server, _server.IssueToken("alice"));
        await _world.UseContextAsync("dev");
        (await _world.CheckAsync()).Enabled.Should().BeTrue();

        // The cluster is recreated: new endpoint, new CA, the user has no role there yet; the kubeconfig keeps its names.
        var recreated = await _world.StartServerAsync();
        recreated.Grant("alice", "default", "list pods");
        await _world.AddTokenContextAsync("dev", recreated, recreated.IssueToken("alice"));

        WhyInvalid().Should().Be("context server changed: " + _server.Server + " → " + recreated.Server);
        var result = await _world.CheckAsync();

        result.FromCache.Should().BeFalse();
        result.Identity.Endpoint.Should().Be(recreated.Server);
        result.Compute!.Status.Should().Be(CheckStatus.MissingPermissions);
        recreated.CountRequests("/pods").Should().Be(1);
    }

    [Fact]
    public async Task A_rotated_token_at_the_same_context_is_rechecked()
    {
        var oldToken = _server.IssueToken("alice");
        await _world.AddTokenContextAsync("dev", _server, oldToken);
        await _world.UseContextAsync("dev");
        (await _world.CheckAsync()).Enabled.Should().BeTrue();

        _server.RevokeToken(oldToken);
        await _world.Kubectl.RunAsync("config", "set-credentials", "dev-user", "--token=" + _server.IssueToken("bob"));

        WhyInvalid().Should().Be("context credential changed (new token, certificate or exec plugin identity)");
        var result = await _world.CheckAsync();
        result.FromCache.Should().BeFalse();
        result.Identity.Account.Should().Be("bob");
        result.Compute!.MissingPermissions.Should().Equal("create pods");
    }

    [Fact]
    public async Task A_token_file_rewritten_in_place_is_rechecked()
    {
        var tokenFile = _world.Temp.WriteFile("token", _server.IssueToken("alice"));
        await _world.AddTokenContextAsync("dev", _server, "placeholder");
        await _world.Kubectl.RunAsync("config", "unset", "users.dev-user.token");
        await _world.Kubectl.RunAsync("config", "set", "users.dev-user.tokenFile", tokenFile);
        await _world.UseContextAsync("dev");
        var first = await _world.CheckAsync();
        first.Enabled.Should().BeTrue(first.Compute!.Reason);
        first.Identity.CredentialType.Should().Be("token_file");

        File.WriteAllText(tokenFile, _server.IssueToken("bob"));
        var result = await _world.CheckAsync();

        result.FromCache.Should().BeFalse();
        result.Identity.Account.Should().Be("bob");
    }

    [Fact]
    public async Task A_removed_kubeconfig_disables_Kubernetes_instead_of_serving_the_old_result()
    {
        await _world.AddTokenContextAsync("dev", _server, _server.IssueToken("alice"));
        await _world.UseContextAsync("dev");
        (await _world.CheckAsync()).Enabled.Should().BeTrue();
        _server.Requests.Clear();

        File.Delete(_world.DefaultKubeconfig);

        WhyInvalid().Should().Be("context changed: dev → (none)");
        var result = await _world.CheckAsync();
        result.FromCache.Should().BeFalse();
        result.Enabled.Should().BeFalse();
        result.Compute!.Status.Should().Be(CheckStatus.NoCredentials);
        _server.Requests.Should().BeEmpty("no kubeconfig is answered locally");
    }
}
