using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Kubernetes;

/// <summary>The fake API server is faithful enough for the real kubectl: whoami, can-i, a forbidden list, a 401.</summary>
public sealed class FakeKubernetesServerTests : IAsyncLifetime
{
    private readonly KubernetesWorld _world = new();
    private FakeKubernetesServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await _world.StartServerAsync();
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task Kubectl_auth_whoami_names_the_token_user_and_its_groups()
    {
        await _world.AddTokenContextAsync("dev", _server, _server.IssueToken("alice", "team-a"));
        await _world.UseContextAsync("dev");

        var output = await _world.Kubectl.RunAsync("auth", "whoami");

        output.Should().Contain("alice").And.Contain("team-a").And.Contain("system:authenticated");
    }

    [Fact]
    public async Task Kubectl_auth_can_i_answers_from_the_grant_table()
    {
        await _world.AddTokenContextAsync("dev", _server, _server.IssueToken("alice"), ns: "team");
        await _world.UseContextAsync("dev");
        _server.Grant("alice", "team", "list pods", "create pods/exec");

        (await _world.Kubectl.TryRunAsync("auth", "can-i", "list", "pods")).Stdout.Trim().Should().Be("yes");
        (await _world.Kubectl.TryRunAsync("auth", "can-i", "create", "pods", "--subresource=exec")).Stdout.Trim().Should().Be("yes");
        (await _world.Kubectl.TryRunAsync("auth", "can-i", "create", "pods", "--subresource=portforward")).Stdout.Trim().Should().StartWith("no");
        var denied = await _world.Kubectl.TryRunAsync("auth", "can-i", "create", "pods");
        denied.Stdout.Trim().Should().StartWith("no");
        denied.ExitCode.Should().Be(1);
        (await _world.Kubectl.TryRunAsync("auth", "can-i", "list", "pods", "-n", "other")).Stdout.Trim().Should().StartWith("no");
    }

    [Fact]
    public async Task Kubectl_get_pods_shows_the_forbidden_status_message_and_the_list_when_granted()
    {
        await _world.AddTokenContextAsync("dev", _server, _server.IssueToken("bob"), ns: "team");
        await _world.UseContextAsync("dev");

        var denied = await _world.Kubectl.TryRunAsync("get", "pods");
        denied.ExitCode.Should().NotBe(0);
        denied.Stderr.Should().Contain("pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace \"team\"");

        _server.Grant("bob", "team", "list pods");
        var allowed = await _world.Kubectl.TryRunAsync("get", "pods");
        allowed.ExitCode.Should().Be(0, allowed.Stderr);
        allowed.Stderr.Should().Contain("No resources found in team namespace");
    }

    [Fact]
    public async Task An_unknown_token_gets_401_Unauthorized()
    {
        await _world.AddTokenContextAsync("dev", _server, "not-a-token-the-server-issued");
        await _world.UseContextAsync("dev");

        var result = await _world.Kubectl.TryRunAsync("auth", "whoami");

        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("Unauthorized");
    }

    [Fact]
    public async Task A_client_certificate_authenticates_as_its_CN_with_O_as_groups()
    {
        var (cert, key) = _server.Authority.IssueClientCertificate("carol", "devs");
        var certFile = _world.Temp.WriteFile("carol.crt", cert);
        var keyFile = _world.Temp.WriteFile("carol.key", key);
        await _world.Kubectl.RunAsync("config", "set-cluster", "c", "--server=" + _server.Server, "--certificate-authority=" + _world.CaFile(_server));
        await _world.Kubectl.RunAsync("config", "set-credentials", "carol", "--client-certificate=" + certFile, "--client-key=" + keyFile);
        await _world.Kubectl.RunAsync("config", "set-context", "cert", "--cluster=c", "--user=carol");
        await _world.UseContextAsync("cert");

        var output = await _world.Kubectl.RunAsync("auth", "whoami");

        output.Should().Contain("carol").And.Contain("devs");
    }

    [Fact]
    public async Task Kubectl_refuses_a_server_whose_certificate_another_CA_signed()
    {
        using var otherCa = new TestCertificateAuthority("someone-else");
        var caFile = _world.Temp.WriteFile("other-ca.crt", otherCa.CertificatePem);
        await _world.Kubectl.RunAsync("config", "set-cluster", "c", "--server=" + _server.Server, "--certificate-authority=" + caFile);
        await _world.Kubectl.RunAsync("config", "set-credentials", "u", "--token=" + _server.IssueToken("alice"));
        await _world.Kubectl.RunAsync("config", "set-context", "x", "--cluster=c", "--user=u");
        await _world.UseContextAsync("x");

        var result = await _world.Kubectl.TryRunAsync("auth", "whoami");

        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("certificate");
    }
}
