namespace SkyPilot.PowerShell.Tests.Support;

/// <summary>
/// The loopback servers every runspace test talks to, started once: Google (IAM, Compute, Storage) with the real gcloud
/// for identity switches, the SkyPilot API server, and Nebius' IAM over real grpcio. Each test takes a fresh cache
/// directory so results never leak between tests.
/// </summary>
public sealed class EngineWorld : IAsyncLifetime
{
    public JobWorld Jobs { get; private set; } = null!;

    public GcpWorld Gcp => Jobs.Gcp;

    public NebiusWorld Nebius { get; private set; } = null!;

    public KubernetesWorld Kubernetes { get; } = new();

    /// <summary>A Kubernetes API server where alice holds SkyPilot's role in namespace default and bob lacks <c>create pods</c>.</summary>
    public FakeKubernetesServer KubeServer { get; private set; } = null!;

    /// <summary>moto with IAM enforced: alice may launch, bob may not (see <see cref="MotoWorld"/>).</summary>
    public MotoWorld Moto { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Moto = await MotoWorld.StartAsync();
        Jobs = await JobWorld.StartAsync();
        Gcp.ServiceAccount("storage-only", "project-a", GcpWorld.StoragePermissions());
        Nebius = await NebiusWorld.StartAsync();
        Directory.CreateDirectory(Jobs.TaskDirectory);
        KubeServer = await Kubernetes.StartServerAsync();
        KubeServer.Grant("alice", "default", FakeKubernetesServer.SkyPilotRole);
        KubeServer.Grant("bob", "default", FakeKubernetesServer.SkyPilotRole.Except(["create pods"]).ToArray());
    }

    /// <summary>The GCP/jobs world's variables with a fresh cache directory, set for the scope of the returned object.</summary>
    public ProcessEnvironment UseGcp(params (string Name, string? Value)[] overrides) => Use(Gcp.Variables, overrides);

    /// <summary>The Nebius world's variables with a fresh cache directory.</summary>
    public ProcessEnvironment UseNebius(params (string Name, string? Value)[] overrides) => Use(Nebius.Variables, overrides);

    private ProcessEnvironment Use(IReadOnlyDictionary<string, string> baseline, (string Name, string? Value)[] overrides)
    {
        var variables = new Dictionary<string, string>(baseline)
        {
            ["SKYPILOT_PS_CACHE_DIR"] = Gcp.Temp.Combine("cache-" + Guid.NewGuid().ToString("N")[..8]),
        };
        foreach (var (name, value) in overrides)
        {
            if (value is null)
            {
                variables.Remove(name);
            }
            else
            {
                variables[name] = value;
            }
        }

        return new ProcessEnvironment(variables, Jobs.TaskDirectory);
    }

    public async Task DisposeAsync()
    {
        await Kubernetes.DisposeAsync();
        await Moto.DisposeAsync();
        await Nebius.DisposeAsync();
        await Jobs.DisposeAsync();
    }
}
