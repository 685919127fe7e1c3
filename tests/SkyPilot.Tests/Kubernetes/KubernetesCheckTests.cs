using SkyPilot.Core.Checks;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Kubernetes;

/// <summary>
/// The Kubernetes compute check against loopback TLS API servers, with contexts written and switched by the real kubectl.
/// </summary>
public sealed class KubernetesCheckTests : IAsyncLifetime
{
    private readonly KubernetesWorld _world = new();
    private FakeKubernetesServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await _world.StartServerAsync();
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task AddAllowedContextAsync(string context, string user, string ns = "default")
    {
        _server.Grant(user, ns, FakeKubernetesServer.SkyPilotRole);
        await _world.AddTokenContextAsync(context, _server, _server.IssueToken(user), ns);
    }

    [Fact]
    public async Task A_user_with_SkyPilots_role_is_enabled_with_the_account_from_whoami()
    {
        await AddAllowedContextAsync("dev", "alice", "team");
        await _world.UseContextAsync("dev");

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.Allowed, result.Compute.Reason);
        result.Enabled.Should().BeTrue();
        result.Summary.Should().Be("enabled [compute]");
        result.Identity.Account.Should().Be("alice");
        result.Identity.Configuration.Should().Be("dev");
        result.Identity.Project.Should().Be("team");
        result.Identity.Endpoint.Should().Be(_server.Server);
        result.Identity.DisplayName.Should().Be("alice [context=dev, namespace=team]");
        result.Compute.PermissionsTested.Should().Contain(["list pods", "create pods", "create pods/exec", "create services"]);
        _server.CountRequests("/api/v1/namespaces/team/pods").Should().Be(1);
        _server.CountRequests("selfsubjectaccessreviews").Should().Be(result.Compute.PermissionsTested.Count);
        _server.CountRequests("selfsubjectreviews").Should().Be(1);
    }

    [Fact]
    public async Task Storage_is_not_applicable_never_denied()
    {
        await AddAllowedContextAsync("dev", "alice");
        await _world.UseContextAsync("dev");

        var result = await _world.CheckAsync();

        result.Storage!.Status.Should().Be(CheckStatus.NotApplicable);
        result.Storage.Allowed.Should().BeFalse();
        result.Storage.Reason.Should().Contain("not applicable");
        result.Enabled.Should().BeTrue("storage does not count against a cloud that has none");
    }

    [Fact]
    public async Task Missing_verbs_are_named_and_the_hint_is_a_kubectl_command_that_asks_for_one()
    {
        _server.Grant("bob", "default", FakeKubernetesServer.SkyPilotRole.Except(["create pods", "create pods/exec"]).ToArray());
        await _world.AddTokenContextAsync("dev", _server, _server.IssueToken("bob"));
        await _world.UseContextAsync("dev");

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.MissingPermissions);
        result.Compute.MissingPermissions.Should().BeEquivalentTo(["create pods", "create pods/exec"]);
        result.Compute.Reason.Should().Contain("bob lacks create pods, create pods/exec in namespace default of context dev");
        result.Compute.Hint.Should().Contain("kubectl auth can-i create pods -n default --context dev");
        var (code, stdout, _) = await _world.Kubectl.TryRunAsync("auth", "can-i", "create", "pods", "-n", "default", "--context", "dev");
        (code, stdout.Trim()).Should().Be((1, "no - no RBAC policy matched"), "the hint's command gives the same answer");
    }

    [Fact]
    public async Task A_forbidden_pod_list_is_missing_permissions_not_a_communication_failure()
    {
        await _world.AddTokenContextAsync("dev", _server, _server.IssueToken("nobody"));
        await _world.UseContextAsync("dev");

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.MissingPermissions);
        result.Compute.MissingPermissions.Should().Contain("list pods").And.HaveCount(FakeKubernetesServer.SkyPilotRole.Length);
    }

    [Fact]
    public async Task A_token_the_server_does_not_know_is_SkyPilots_invalid_credentials()
    {
        await _world.AddTokenContextAsync("dev", _server, "revoked-token");
        await _world.UseContextAsync("dev");

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.AuthenticationFailed);
        result.Compute.Reason.Should().StartWith("Invalid credentials - do you have permission to access the cluster?");
        result.Compute.Reason.Should().NotContain("revoked-token");
    }

    [Fact]
    public async Task No_kubeconfig_is_answered_locally_with_no_call()
    {
        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.NoCredentials);
        result.Compute.Reason.Should().StartWith("No available context found in kubeconfig");
        result.Identity.IsUsable.Should().BeFalse();
        _server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_stale_current_context_says_so_with_a_use_context_hint()
    {
        await AddAllowedContextAsync("dev", "alice");
        await _world.UseContextAsync("dev");
        await _world.Kubectl.RunAsync("config", "delete-context", "dev");
        _server.Requests.Clear(); // kubectl itself asks /version

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.ConfigurationError);
        result.Compute.Reason.Should().Contain("current-context 'dev'");
        result.Compute.Hint.Should().Contain("kubectl config use-context");
        _server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_cluster_that_is_gone_disables_Kubernetes()
    {
        await AddAllowedContextAsync("dev", "alice");
        await _world.UseContextAsync("dev");
        (await _world.CheckAsync()).Enabled.Should().BeTrue();
        await _server.DisposeAsync();

        var result = await _world.CheckAsync(refresh: true);

        result.Compute!.Status.Should().Be(CheckStatus.Unreachable);
        result.Compute.Reason.Should().StartWith("Failed to communicate with the cluster at " + _server.Server);
        result.Compute.Hint.Should().Contain("kubectl config delete-context dev");
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_is_a_trust_problem_not_enabled()
    {
        await AddAllowedContextAsync("dev", "alice");
        using var otherCa = new TestCertificateAuthority("someone-else");
        var caFile = _world.Temp.WriteFile("other.crt", otherCa.CertificatePem);
        await _world.Kubectl.RunAsync("config", "set-cluster", "dev-cluster", "--certificate-authority=" + caFile, "--embed-certs=true");
        await _world.UseContextAsync("dev");

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.ConfigurationError);
        result.Compute.Reason.Should().Contain("did not present a certificate the kubeconfig trusts");
    }

    [Fact]
    public async Task A_client_certificate_user_is_checked_as_its_CN()
    {
        var (cert, key) = _server.Authority.IssueClientCertificate("carol", "devs");
        _server.Grant("carol", "default", FakeKubernetesServer.SkyPilotRole);
        await _world.Kubectl.RunAsync("config", "set-cluster", "c", "--server=" + _server.Server, "--certificate-authority=" + _world.CaFile(_server));
        await _world.Kubectl.RunAsync("config", "set-credentials", "carol", "--client-certificate=" + _world.Temp.WriteFile("c.crt", cert), "--client-key=" + _world.Temp.WriteFile("c.key", key), "--embed-certs=true");
        await _world.Kubectl.RunAsync("config", "set-context", "cert", "--cluster=c", "--user=carol");
        await _world.UseContextAsync("cert");

        var identity = _world.Checker().Resolve(_world.Environment()).Identity;
        var result = await _world.CheckAsync();

        identity.Account.Should().Be("carol", "the certificate's CN is known locally");
        identity.CredentialType.Should().Be("client_certificate");
        result.Compute!.Status.Should().Be(CheckStatus.Allowed, result.Compute.Reason);
        result.Identity.Account.Should().Be("carol");
    }

    [Fact]
    public async Task Allowed_contexts_choose_the_contexts_and_any_passing_one_enables_Kubernetes()
    {
        await AddAllowedContextAsync("dev", "alice");
        await _world.AddTokenContextAsync("prod", _server, _server.IssueToken("bob"));
        await _world.AddTokenContextAsync("other", _server, "never-checked");
        await _world.UseContextAsync("other");
        _world.WriteSkyConfig("kubernetes:\n  allowed_contexts:\n    - dev\n    - prod\n    - missing\n");
        _server.Requests.Clear(); // kubectl itself asks /version

        var result = await _world.CheckAsync();

        result.Identity.Configuration.Should().Be("dev, prod");
        result.Compute!.Status.Should().Be(CheckStatus.Allowed);
        result.Compute.Reason.Should().Contain("enabled in dev").And.Contain("context prod: bob lacks");
        result.Identity.Warnings.Should().ContainSingle(w => w.Contains("'missing'") && w.Contains("kubernetes.allowed_contexts"));
        _server.Requests.Should().NotContain(r => r.User == null, "the current context 'other' (an unknown token) is not allowed, so never called");
    }

    [Fact]
    public async Task A_workspaces_allowed_contexts_take_precedence_over_the_global_ones()
    {
        await AddAllowedContextAsync("dev", "alice");
        await AddAllowedContextAsync("prod", "bob");
        _world.WriteSkyConfig("active_workspace: team-b\nkubernetes:\n  allowed_contexts: [dev]\nworkspaces:\n  team-b:\n    kubernetes:\n      allowed_contexts: [prod]\n");

        var identity = _world.Checker().Resolve(_world.Environment()).Identity;

        identity.Configuration.Should().Be("prod");
    }

    [Fact]
    public async Task An_in_cluster_service_account_is_used_when_there_is_no_kubeconfig()
    {
        var saDirectory = _world.Temp.Combine("sa");
        Directory.CreateDirectory(saDirectory);
        static string B64(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var sub = "system:serviceaccount:jobs:sky-sa";
        var jwt1 = B64("{\"alg\":\"RS256\"}") + "." + B64("{\"iss\":\"https://kubernetes.default.svc\",\"sub\":\"" + sub + "\",\"exp\":4102444800,\"n\":1}") + ".sig1";
        var jwt2 = B64("{\"alg\":\"RS256\"}") + "." + B64("{\"iss\":\"https://kubernetes.default.svc\",\"sub\":\"" + sub + "\",\"exp\":4102448400,\"n\":2}") + ".sig2";
        File.WriteAllText(Path.Combine(saDirectory, "ca.crt"), _server.CaPem);
        File.WriteAllText(Path.Combine(saDirectory, "namespace"), "jobs\n");
        File.WriteAllText(Path.Combine(saDirectory, "token"), jwt1);
        _world.ServiceAccountDirectory = saDirectory;
        var port = new Uri(_server.Server).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _world.Set("KUBERNETES_SERVICE_HOST", "127.0.0.1");
        _world.Set("KUBERNETES_SERVICE_PORT", port);

        var first = _world.Checker().Resolve(_world.Environment()).Identity;
        File.WriteAllText(Path.Combine(saDirectory, "token"), jwt2);
        var rotated = _world.Checker().Resolve(_world.Environment()).Identity;
        File.WriteAllText(Path.Combine(saDirectory, "namespace"), "other\n");
        var moved = _world.Checker().Resolve(_world.Environment()).Identity;

        first.Configuration.Should().Be("in-cluster");
        first.Account.Should().Be(sub);
        first.Project.Should().Be("jobs");
        first.CredentialType.Should().Be("service_account");
        rotated.Fingerprint.Should().Be(first.Fingerprint, "a projected token's hourly rotation is the same identity");
        moved.Fingerprint.Should().NotBe(first.Fingerprint);
    }
}
