using BenchmarkDotNet.Attributes;
using SkyPilot.Core;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;
using SkyPilot.TestKit;

namespace SkyPilot.Benchmarks;

/// <summary>The identity-aware cache: a warm check served from it, and a 1,000-entry file read, validated and rewritten.</summary>
[MemoryDiagnoser]
public class CacheBenchmarks
{
    private TempDirectory _temp = null!;
    private FakeGoogleServer _server = null!;
    private SkyEnvironment _env = null!;
    private CloudCheckService _service = null!;
    private CheckCache _bigCache = null!;
    private CloudIdentity _current = null!;
    private CapabilityResult _fresh = null!;

    [GlobalSetup]
    public void Setup()
    {
        _temp = new TempDirectory("skyps-bench");
        _server = FakeGoogleServer.StartAsync().GetAwaiter().GetResult();
        var key = _server.CreateServiceAccount("bench@proj.iam.gserviceaccount.com", "proj");
        _server.Grant(key.Email, "proj", KnownPermissions.All);
        key.WriteTo(_temp.Combine("key.json"));
        _temp.WriteFile("gcloud/active_config", "bench");
        _temp.WriteFile("gcloud/configurations/config_bench", "[core]\naccount = bench@proj.iam.gserviceaccount.com\nproject = proj\n");
        _env = new SkyEnvironment(
            new Dictionary<string, string>
            {
                ["HOME"] = _temp.Combine("home"),
                ["CLOUDSDK_CONFIG"] = _temp.Combine("gcloud"),
                ["GOOGLE_APPLICATION_CREDENTIALS"] = _temp.Combine("key.json"),
                ["SKYPILOT_PS_CACHE_DIR"] = _temp.Combine("cache"),
                ["CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER"] = _server.BaseUrl + "/",
                ["CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE"] = _server.BaseUrl + "/",
            },
            _temp.Combine("home"),
            isWindows: false);
        _service = CloudCheckService.CreateDefault(_env, NullSkyLog.Instance, SharedHttpClient.Instance);
        var first = _service.CheckAsync(_env, null, null, false, CancellationToken.None).GetAwaiter().GetResult();
        if (!first.Single(r => r.Cloud == "gcp").Enabled)
        {
            throw new InvalidOperationException("setup check failed");
        }

        // A cache file with 1,000 entries of 1,000 identities.
        _bigCache = new CheckCache(new CacheSettings { FilePath = _temp.Combine("big", "cache.json") }, NullSkyLog.Instance);
        var now = DateTimeOffset.UtcNow;
        var results = Enumerable.Range(0, 1000).Select(i => Result("fp-" + i, i % 2 == 0 ? Capability.Compute : Capability.Storage, now)).ToList();
        _bigCache.StoreAsync(results, CancellationToken.None).GetAwaiter().GetResult();
        _current = results[500].Identity;
        _fresh = Result("fp-500", Capability.Storage, now);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _temp.Dispose();
    }

    [Benchmark(Description = "warm Test-SkyCloud, all clouds (cache hit)")]
    public bool WarmCheck()
    {
        var results = _service.CheckAsync(_env, null, null, false, CancellationToken.None).GetAwaiter().GetResult();
        return results.Single(r => r.Cloud == "gcp").FromCache ? true : throw new InvalidOperationException("expected a cache hit");
    }

    [Benchmark(Description = "1,000-entry cache: read + validate + write")]
    public int ReadValidateWrite()
    {
        var snapshot = _bigCache.Read();
        var valid = snapshot.Validate(_ => _current, DateTimeOffset.UtcNow).Count(e => e.IsValid);
        _bigCache.StoreAsync([_fresh], CancellationToken.None).GetAwaiter().GetResult();
        return valid;
    }

    private static CapabilityResult Result(string fingerprint, Capability capability, DateTimeOffset at)
    {
        var identity = new CloudIdentity
        {
            Cloud = "gcp",
            Account = "sa-" + fingerprint + "@proj.iam.gserviceaccount.com",
            Project = "proj",
            CredentialType = "service_account",
            CredentialSource = "/keys/" + fingerprint + ".json",
            CredentialDigest = fingerprint,
            Configuration = "default",
            Fingerprint = fingerprint,
        };
        return new CapabilityResult
        {
            Cloud = "gcp",
            Capability = capability,
            Status = CheckStatus.Allowed,
            PermissionsTested = KnownPermissions.All.Take(capability == Capability.Compute ? 30 : 4).ToList(),
            Reason = "all required permissions held",
            Identity = identity,
            CheckedAt = at,
        };
    }
}
