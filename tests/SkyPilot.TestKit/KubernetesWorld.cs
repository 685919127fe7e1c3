namespace SkyPilot.TestKit;

/// <summary>
/// A private Kubernetes world: a temp home whose kubeconfig is written by the real kubectl, loopback TLS API servers
/// with their own CAs, and the environment a user would set (HOME, KUBECONFIG, a cache folder).
/// </summary>
public sealed class KubernetesWorld : TestWorld, IAsyncDisposable
{
    private readonly List<FakeKubernetesServer> _servers = new();

    public KubernetesWorld()
        : base("skyps-k8s")
    {
        Kubectl = new Kubectl(Home);
        Set("PATH", System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty);
        Set("SKYPILOT_PS_CACHE_DIR", Temp.Combine("cache"));
        ServiceAccountDirectory = Temp.Combine("no-service-account");
    }

    public Kubectl Kubectl { get; }

    /// <summary>Where the in-cluster service account is looked for (a folder under the temp dir, absent by default).</summary>
    public string ServiceAccountDirectory { get; set; }

    public string DefaultKubeconfig => Path.Combine(Home, ".kube", "config");

    public async Task<FakeKubernetesServer> StartServerAsync(TestCertificateAuthority? ca = null)
    {
        var server = await FakeKubernetesServer.StartAsync(ca);
        _servers.Add(server);
        return server;
    }

    /// <summary>Writes the server's CA where a kubeconfig can point at it.</summary>
    public string CaFile(FakeKubernetesServer server) => Temp.WriteFile("ca-" + Guid.NewGuid().ToString("N")[..8] + ".crt", server.CaPem);

    /// <summary>Adds a token context to the kubeconfig (KUBECONFIG's first file, or ~/.kube/config) with kubectl.</summary>
    public async Task AddTokenContextAsync(string context, FakeKubernetesServer server, string token, string ns = "default", string? cluster = null, string? user = null)
    {
        cluster ??= context + "-cluster";
        user ??= context + "-user";
        await Kubectl.RunAsync("config", "set-cluster", cluster, "--server=" + server.Server, "--certificate-authority=" + CaFile(server), "--embed-certs=true");
        await Kubectl.RunAsync("config", "set-credentials", user, "--token=" + token);
        await Kubectl.RunAsync("config", "set-context", context, "--cluster=" + cluster, "--user=" + user, "--namespace=" + ns);
    }

    public Task UseContextAsync(string context) => Kubectl.RunAsync("config", "use-context", context);

    public override void Set(string name, string? value)
    {
        base.Set(name, value);
        if (name == "KUBECONFIG")
        {
            Kubectl.Kubeconfig = value;
        }
    }

    public string WriteSkyConfig(string yaml) => Temp.WriteFile("home/.sky/config.yaml", yaml);

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        Temp.Dispose();
    }
}
