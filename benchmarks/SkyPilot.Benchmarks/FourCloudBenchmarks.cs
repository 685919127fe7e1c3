using BenchmarkDotNet.Attributes;
using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.TestKit;

namespace SkyPilot.Benchmarks;

/// <summary>
/// A warm <c>Test-SkyCloud</c> of all four clouds, every capability a cache hit: GCP (loopback Google), Nebius (loopback
/// gRPC), AWS (moto, IAM enforced) and Kubernetes (TLS fake), each identity resolved from its files and fingerprinted.
/// </summary>
[MemoryDiagnoser]
public class FourCloudBenchmarks
{
    private TempDirectory _temp = null!;
    private FakeGoogleServer _google = null!;
    private NebiusWorld _nebius = null!;
    private MotoWorld _moto = null!;
    private KubernetesWorld _kubernetes = null!;
    private SkyEnvironment _env = null!;
    private CloudCheckService _service = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _temp = new TempDirectory("skyps-bench4");
        _google = await FakeGoogleServer.StartAsync();
        var key = _google.CreateServiceAccount("bench@proj.iam.gserviceaccount.com", "proj");
        _google.Grant(key.Email, "proj", KnownPermissions.All);
        key.WriteTo(_temp.Combine("key.json"));
        _temp.WriteFile("gcloud/active_config", "bench");
        _temp.WriteFile("gcloud/configurations/config_bench", "[core]\naccount = bench@proj.iam.gserviceaccount.com\nproject = proj\n");

        _nebius = await NebiusWorld.StartAsync();
        _nebius.WriteToken(await _nebius.IssueTokenAsync());
        _nebius.WriteTenant(NebiusWorld.Tenant);

        _moto = await MotoWorld.StartAsync();
        var credentials = _temp.WriteFile("aws/credentials",
            "[default]\naws_access_key_id = " + _moto.Alice.AccessKeyId + "\naws_secret_access_key = " + _moto.Alice.SecretAccessKey + "\n\n" +
            "[nebius]\naws_access_key_id = " + _moto.Alice.AccessKeyId + "\naws_secret_access_key = " + _moto.Alice.SecretAccessKey + "\n");
        var config = _temp.WriteFile("aws/config", "[default]\nregion = us-east-1\n\n[profile nebius]\nregion = eu-north1\n");

        _kubernetes = new KubernetesWorld();
        var kubeServer = await _kubernetes.StartServerAsync();
        kubeServer.Grant("alice", "default", FakeKubernetesServer.SkyPilotRole);
        var kubeconfig = _temp.Combine("kubeconfig");
        _kubernetes.Set("KUBECONFIG", kubeconfig);
        await _kubernetes.AddTokenContextAsync("bench", kubeServer, kubeServer.IssueToken("alice"));
        await _kubernetes.UseContextAsync("bench");

        var variables = new Dictionary<string, string>(_nebius.Variables)
        {
            ["CLOUDSDK_CONFIG"] = _temp.Combine("gcloud"),
            ["GOOGLE_APPLICATION_CREDENTIALS"] = _temp.Combine("key.json"),
            ["CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER"] = _google.BaseUrl + "/",
            ["CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE"] = _google.BaseUrl + "/",
            ["AWS_ENDPOINT_URL"] = _moto.Endpoint,
            ["AWS_SHARED_CREDENTIALS_FILE"] = credentials,
            ["AWS_CONFIG_FILE"] = config,
            ["KUBECONFIG"] = kubeconfig,
            ["SKYPILOT_PS_CACHE_DIR"] = _temp.Combine("cache"),
            ["SKYPILOT_PS_HTTP_TIMEOUT_SECONDS"] = "60",
        };
        _env = new SkyEnvironment(variables, _nebius.Home, isWindows: false);
        _service = CloudCheckService.CreateDefault(_env, NullSkyLog.Instance, SharedHttpClient.Instance);
        var first = await _service.CheckAsync(_env, null, null, false, CancellationToken.None);
        var refused = first.SelectMany(r => r.Capabilities).Where(c => !c.Allowed && c.Status != CheckStatus.NotApplicable).ToList();
        if (first.Count != 4 || refused.Count > 0)
        {
            throw new InvalidOperationException("setup check failed: " + string.Join("; ", refused.Select(c => c.Cloud + " " + c.Capability + ": " + c.Reason)));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _kubernetes.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _moto.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _nebius.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _google.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _temp.Dispose();
    }

    [Benchmark(Description = "warm Test-SkyCloud, four clouds (all cache hits)")]
    public int WarmFourClouds()
    {
        var results = _service.CheckAsync(_env, null, null, false, CancellationToken.None).GetAwaiter().GetResult();
        var missed = results.SelectMany(r => r.Capabilities).Where(c => !c.FromCache && c.Status != CheckStatus.NotApplicable).ToList();
        return results.Count == 4 && missed.Count == 0
            ? results.Count
            : throw new InvalidOperationException("expected four clouds, all cache hits; missed: " + string.Join(", ", missed.Select(c => c.Cloud + " " + c.Capability)));
    }
}
