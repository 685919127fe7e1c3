using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Kubernetes;

/// <summary>
/// Every input of a context that decides who the client is and whom it trusts is part of the Kubernetes identity's
/// fingerprint, so a cached check is not served after it changes; an edit of another context is not. The kubeconfig is
/// edited with the real kubectl only.
/// </summary>
public sealed class KubeconfigFingerprintTests : IAsyncLifetime
{
    private readonly KubernetesWorld _world = new();
    private FakeKubernetesServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await _world.StartServerAsync();
        var (cert, key) = _server.Authority.IssueClientCertificate("carol", "devs");
        await _world.Kubectl.RunAsync("config", "set-cluster", "c", "--server=" + _server.Server, "--certificate-authority=" + _world.CaFile(_server), "--embed-certs=true");
        await _world.Kubectl.RunAsync("config", "set-credentials", "u", "--client-certificate=" + _world.Temp.WriteFile("u.crt", cert), "--client-key=" + _world.Temp.WriteFile("u.key", key), "--embed-certs=true");
        await _world.Kubectl.RunAsync("config", "set-credentials", "u", "--exec-command=kube-token-helper", "--exec-api-version=client.authentication.k8s.io/v1", "--exec-arg=get-token", "--exec-env=MODE=a");
        await _world.Kubectl.RunAsync("config", "set-context", "ctx", "--cluster=c", "--user=u", "--namespace=team-a");
        await _world.AddTokenContextAsync("other", _server, _server.IssueToken("bob"), cluster: "oc", user: "ou");
        await _world.UseContextAsync("ctx");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private string Fingerprint() => _world.Checker().Resolve(_world.Environment()).Identity.Fingerprint;

    /// <summary>Edits the kubeconfig with kubectl: one input of the current context, or (unrelated) of another context.</summary>
    private async Task EditAsync(string change)
    {
        switch (change)
        {
            case "certificate-authority-data":
                using (var other = new TestCertificateAuthority("another-ca"))
                {
                    await _world.Kubectl.RunAsync("config", "set-cluster", "c", "--certificate-authority=" + _world.Temp.WriteFile("other-ca.crt", other.CertificatePem), "--embed-certs=true");
                }

                break;
            case "insecure-skip-tls-verify":
                // `config set` changes just this field (set-cluster --insecure-skip-tls-verify would also drop the CA).
                await _world.Kubectl.RunAsync("config", "set", "clusters.c.insecure-skip-tls-verify", "true");
                (await _world.Kubectl.RunAsync("config", "view", "--raw", "-o", "jsonpath={.clusters[?(@.name==\"c\")].cluster.certificate-authority-data}")).Should().NotBeEmpty("only the flag changed");
                break;
            case "tls-server-name":
                await _world.Kubectl.RunAsync("config", "set-cluster", "c", "--tls-server-name=api.other.example");
                break;
            case "client-certificate-data":
                var (cert, _) = _server.Authority.IssueClientCertificate("carol", "devs");
                await _world.Kubectl.RunAsync("config", "set-credentials", "u", "--client-certificate=" + _world.Temp.WriteFile("u2.crt", cert), "--embed-certs=true");
                break;
            case "namespace":
                await _world.Kubectl.RunAsync("config", "set-context", "ctx", "--namespace=team-b");
                break;
            case "exec args":
                await _world.Kubectl.RunAsync("config", "set-credentials", "u", "--exec-arg=get-token", "--exec-arg=--cluster=prod");
                break;
            case "exec env":
                await _world.Kubectl.RunAsync("config", "set-credentials", "u", "--exec-env=MODE=b");
                break;
            case "unrelated context's namespace":
                await _world.Kubectl.RunAsync("config", "set-context", "other", "--namespace=elsewhere");
                break;
            case "unrelated cluster's tls-server-name":
                await _world.Kubectl.RunAsync("config", "set-cluster", "oc", "--tls-server-name=api.other.example");
                break;
            case "unrelated user's token":
                await _world.Kubectl.RunAsync("config", "set-credentials", "ou", "--token=" + _server.IssueToken("dave"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, null);
        }
    }

    [Theory]
    [InlineData("certificate-authority-data", true)]
    [InlineData("insecure-skip-tls-verify", true)]
    [InlineData("tls-server-name", true)]
    [InlineData("client-certificate-data", true)]
    [InlineData("namespace", true)]
    [InlineData("exec args", true)]
    [InlineData("exec env", true)]
    [InlineData("unrelated context's namespace", false)]
    [InlineData("unrelated cluster's tls-server-name", false)]
    [InlineData("unrelated user's token", false)]
    public async Task Each_input_of_the_current_context_is_in_the_fingerprint_and_another_contexts_are_not(string change, bool changesIdentity)
    {
        var before = Fingerprint();
        var kubeconfig = File.ReadAllText(_world.DefaultKubeconfig);
        Fingerprint().Should().Be(before, "nothing changed yet");

        await EditAsync(change);

        File.ReadAllText(_world.DefaultKubeconfig).Should().NotBe(kubeconfig, "kubectl edited the kubeconfig");
        (await _world.Kubectl.RunAsync("config", "current-context")).Trim().Should().Be("ctx");
        if (changesIdentity)
        {
            Fingerprint().Should().NotBe(before, change + " of the current context decides the identity or whom it trusts");
        }
        else
        {
            Fingerprint().Should().Be(before, "an edit of another context is not this identity's");
        }
    }
}
