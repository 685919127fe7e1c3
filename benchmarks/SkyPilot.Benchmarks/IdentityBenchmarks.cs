using BenchmarkDotNet.Attributes;
using SkyPilot.Core;
using SkyPilot.Core.Gcp;
using SkyPilot.TestKit;

namespace SkyPilot.Benchmarks;

/// <summary>Identity resolution from real files: gcloud configuration, a service-account key and ~/.sky/config.yaml.</summary>
[MemoryDiagnoser]
public class IdentityBenchmarks
{
    private TempDirectory _temp = null!;
    private SkyEnvironment _env = null!;

    [GlobalSetup]
    public void Setup()
    {
        _temp = new TempDirectory("skyps-bench");
        var key = ServiceAccountKey.Create("bench@proj.iam.gserviceaccount.com", "proj", "http://127.0.0.1:9/token");
        key.WriteTo(_temp.Combine("key.json"));
        _temp.WriteFile("gcloud/active_config", "bench");
        _temp.WriteFile("gcloud/configurations/config_bench", "[core]\naccount = bench@proj.iam.gserviceaccount.com\nproject = proj\n");
        _temp.WriteFile("home/.sky/config.yaml", "gcp:\n  vpc_name: shared\njobs:\n  bucket: gs://b/prefix\n");
        var variables = new Dictionary<string, string>
        {
            ["HOME"] = _temp.Combine("home"),
            ["CLOUDSDK_CONFIG"] = _temp.Combine("gcloud"),
            ["GOOGLE_APPLICATION_CREDENTIALS"] = _temp.Combine("key.json"),
        };
        _env = new SkyEnvironment(variables, _temp.Combine("home"), isWindows: false);
    }

    [GlobalCleanup]
    public void Cleanup() => _temp.Dispose();

    [Benchmark(Description = "GCP identity + fingerprint from files")]
    public string ResolveGcpIdentity() => GcpIdentityResolver.Resolve(_env).Fingerprint;

    /// <summary>The floor: reading the three files the resolution reads (~/.sky/config.yaml is read once per snapshot).</summary>
    [Benchmark(Baseline = true, Description = "floor: File.ReadAllBytes of the same three files")]
    public int ReadTheFiles() =>
        File.ReadAllBytes(_temp.Combine("gcloud/active_config")).Length
        + File.ReadAllBytes(_temp.Combine("gcloud/configurations/config_bench")).Length
        + File.ReadAllBytes(_temp.Combine("key.json")).Length;
}
