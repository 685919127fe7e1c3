using System.Text.Json.Nodes;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Cache;

public sealed class CheckCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ManualClock _clock = new();
    private readonly RecordingLog _log = new();

    public void Dispose() => _temp.Dispose();

    private string CachePath => _temp.Combine("sky", "powershell-check-cache.json");

    private CheckCache Cache(TimeSpan? allowed = null, TimeSpan? denied = null) =>
        new(new CacheSettings { FilePath = CachePath }.With(allowedTtl: allowed, deniedTtl: denied), _log, _clock.Func);

    [Fact]
    public async Task A_stored_result_is_found_only_for_the_same_identity()
    {
        var a = SampleResults.Identity("fp-a");
        await Cache().StoreAsync([SampleResults.Result(a, Capability.Storage, CheckStatus.Allowed, _clock.Now)], default);

        var snapshot = Cache().Read();

        snapshot.Find(a, Capability.Storage, _clock.Now)!.Status.Should().Be(CheckStatus.Allowed);
        snapshot.Find(a, Capability.Compute, _clock.Now).Should().BeNull();
        snapshot.Find(SampleResults.Identity("fp-b"), Capability.Storage, _clock.Now).Should().BeNull();
        snapshot.Problem.Should().BeNull();
    }

    [Fact]
    public async Task Allowed_results_expire_after_the_allowed_ttl_and_denied_ones_sooner()
    {
        var id = SampleResults.Identity("fp");
        var cache = Cache(allowed: TimeSpan.FromMinutes(30), denied: TimeSpan.FromMinutes(2));
        await cache.StoreAsync(
        [
            SampleResults.Result(id, Capability.Storage, CheckStatus.Allowed, _clock.Now),
            SampleResults.Result(id, Capability.Compute, CheckStatus.MissingPermissions, _clock.Now),
        ], default);

        _clock.Advance(TimeSpan.FromMinutes(1));
        cache.Read().Find(id, Capability.Compute, _clock.Now).Should().NotBeNull();
        _clock.Advance(TimeSpan.FromMinutes(1.5));
        cache.Read().Find(id, Capability.Compute, _clock.Now).Should().BeNull("denied results expire after 2 minutes");
        cache.Read().Find(id, Capability.Storage, _clock.Now).Should().NotBeNull();
        _clock.Advance(TimeSpan.FromMinutes(28));
        cache.Read().Find(id, Capability.Storage, _clock.Now).Should().BeNull("allowed results expire after 30 minutes");
    }

    [Fact]
    public void Denied_ttl_is_capped_at_ten_minutes()
    {
        new CacheSettings().With(deniedTtl: TimeSpan.FromHours(5)).DeniedTtl.Should().Be(TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Settings_come_from_the_environment()
    {
        var env = new SkyPilot.Core.SkyEnvironment(new Dictionary<string, string>
        {
            ["SKYPILOT_PS_CACHE_DIR"] = "/somewhere",
            ["SKYPILOT_PS_CACHE_TTL_MINUTES"] = "15",
            ["SKYPILOT_PS_CACHE_DENIED_TTL_SECONDS"] = "30",
        }, "/home/u", isWindows: false);

        var settings = CacheSettings.FromEnvironment(env);

        settings.FilePath.Should().Be(Path.Combine("/somewhere", "powershell-check-cache.json"));
        settings.AllowedTtl.Should().Be(TimeSpan.FromMinutes(15));
        settings.DeniedTtl.Should().Be(TimeSpan.FromSeconds(30));
        CacheSettings.FromEnvironment(new SkyPilot.Core.SkyEnvironment([], "/home/u", false)).FilePath
            .Should().Be(Path.Combine("/home/u", ".sky", "powershell-check-cache.json"));
    }

    [Fact]
    public async Task Transient_outcomes_are_not_cached()
    {
        var id = SampleResults.Identity("fp");
        await Cache().StoreAsync([SampleResults.Result(id, Capability.Storage, CheckStatus.Unreachable, _clock.Now)], default);

        Cache().Read().Entries.Should().BeEmpty();
    }

    [Fact]
    public async Task Storing_one_cloud_keeps_the_other_clouds_entries()
    {
        var other = SampleResults.Identity("fp-n", cloud: "nebius");
        var gcp = SampleResults.Identity("fp-g");
        await Cache().StoreAsync([SampleResults.Result(other, Capability.Compute, CheckStatus.Allowed, _clock.Now)], default);
        await Cache().StoreAsync([SampleResults.Result(gcp, Capability.Compute, CheckStatus.Allowed, _clock.Now)], default);

        Cache().Read().Entries.Select(e => e.Cloud).Should().BeEquivalentTo(["nebius", "gcp"]);
    }

    [Fact]
    public async Task Re_storing_replaces_the_entry_for_the_same_key()
    {
        var id = SampleResults.Identity("fp");
        await Cache().StoreAsync([SampleResults.Result(id, Capability.Compute, CheckStatus.MissingPermissions, _clock.Now)], default);
        await Cache().StoreAsync([SampleResults.Result(id, Capability.Compute, CheckStatus.Allowed, _clock.Now)], default);

        Cache().Read().Entries.Should().ContainSingle().Which.Status.Should().Be(CheckStatus.Allowed);
    }

    [Fact]
    public async Task The_file_holds_no_secret_material_only_digests()
    {
        var id = SampleResults.Identity("fp");
        await Cache().StoreAsync([SampleResults.Result(id, Capability.Compute, CheckStatus.Allowed, _clock.Now)], default);

        var json = JsonNode.Parse(File.ReadAllText(CachePath))!;
        json["format"]!.GetValue<string>().Should().Be("skypilot-powershell/check-cache");
        json["version"]!.GetValue<int>().Should().Be(1);
        File.ReadAllText(CachePath).Should().NotContainAny("private_key", "access_token", "BEGIN");
    }

    [Fact]
    public async Task Validation_explains_why_an_entry_would_not_be_served()
    {
        var a = SampleResults.Identity("fp-a", account: "a@x.com", project: "p1");
        await Cache().StoreAsync([SampleResults.Result(a, Capability.Compute, CheckStatus.Allowed, _clock.Now)], default);
        string? Why(SkyPilot.Core.Identity.CloudIdentity current) => Cache().Read().Validate(_ => current, _clock.Now).Single().InvalidReason;

        Why(a).Should().BeNull();
        Why(SampleResults.Identity("fp-b", account: "b@y.com", project: "p1")).Should().Be("account changed: a@x.com → b@y.com");
        Why(SampleResults.Identity("fp-c", account: "a@x.com", project: "p2")).Should().Be("project changed: p1 → p2");
        var rekeyed = SampleResults.Identity("fp-d", account: "a@x.com", project: "p1");
        Why(rekeyed).Should().StartWith("credential file changed");
        _clock.Advance(TimeSpan.FromHours(2));
        Why(a).Should().StartWith("expired");
    }

    public static TheoryData<string, byte[]> DamagedFiles() => new()
    {
        { "truncated", "{\"format\":\"skypilot-powershell/check-cache\",\"version\":1,\"entries\":[{\"cloud\":\"g"u8.ToArray() },
        { "random bytes", Enumerable.Range(0, 512).Select(i => (byte)((i * 7919) % 251)).ToArray() },
        { "another shape", "{\"clouds\":[\"GCP\"],\"enabled\":true}"u8.ToArray() },
        { "a JSON array", "[1,2,3]"u8.ToArray() },
        { "foreign version", "{\"format\":\"skypilot-powershell/check-cache\",\"version\":99,\"entries\":[]}"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(DamagedFiles))]
    public async Task A_damaged_or_foreign_file_is_a_warning_and_is_rebuilt(string what, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        File.WriteAllBytes(CachePath, content);

        var snapshot = Cache().Read();
        snapshot.Entries.Should().BeEmpty(what);
        snapshot.Problem.Should().NotBeNull(what);
        _log.Lines.Should().Contain(l => l.StartsWith("WARNING: check cache"), what);

        var id = SampleResults.Identity("fp");
        await Cache().StoreAsync([SampleResults.Result(id, Capability.Storage, CheckStatus.Allowed, _clock.Now)], default);
        var rebuilt = Cache().Read();
        rebuilt.Problem.Should().BeNull(what);
        rebuilt.Entries.Should().ContainSingle(what);
    }

    [Fact]
    public async Task A_check_that_reads_a_damaged_file_and_then_saves_warns_once()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        File.WriteAllText(CachePath, "{ not json");
        var cache = Cache();

        cache.Read();
        await cache.StoreAsync([SampleResults.Result(SampleResults.Identity("fp"), Capability.Storage, CheckStatus.Allowed, _clock.Now)], default);

        _log.Lines.Where(l => l.Contains("is damaged")).Should().ContainSingle()
            .Which.Should().Contain("replaced when a check next saves its result");
        Cache().Read().Entries.Should().ContainSingle();
    }

    [Fact]
    public async Task A_file_damaged_between_the_read_and_the_save_is_reported_when_it_is_rebuilt()
    {
        var cache = Cache();
        cache.Read().Problem.Should().BeNull();
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        File.WriteAllText(CachePath, "{ not json");

        await cache.StoreAsync([SampleResults.Result(SampleResults.Identity("fp"), Capability.Storage, CheckStatus.Allowed, _clock.Now)], default);

        _log.Lines.Should().ContainSingle(l => l.Contains("is damaged")).Which.Should().EndWith("rebuilding it");
    }

    [Fact]
    public async Task A_directory_where_the_file_should_be_is_a_warning_not_a_failure()
    {
        Directory.CreateDirectory(CachePath);

        Cache().Read().Entries.Should().BeEmpty();
        var store = () => Cache().StoreAsync([SampleResults.Result(SampleResults.Identity("fp"), Capability.Storage, CheckStatus.Allowed, _clock.Now)], default);

        await store.Should().NotThrowAsync();
        _log.Lines.Should().Contain(l => l.Contains("unreadable")).And.Contain(l => l.Contains("check cache not updated"));
    }

    [Fact]
    public async Task A_file_without_read_permission_is_a_warning_not_a_failure()
    {
        var id = SampleResults.Identity("fp");
        await Cache().StoreAsync([SampleResults.Result(id, Capability.Storage, CheckStatus.Allowed, _clock.Now)], default);
        File.SetUnixFileMode(CachePath, UnixFileMode.None);

        var snapshot = Cache().Read();

        if (Environment.UserName == "root")
        {
            // root reads any file: the entry is simply served.
            snapshot.Entries.Should().ContainSingle();
        }
        else
        {
            snapshot.Entries.Should().BeEmpty();
            snapshot.Problem.Should().Contain("unreadable");
        }
    }

    [Fact]
    public async Task Remove_takes_out_only_the_matching_entries()
    {
        var a = SampleResults.Identity("fp-a");
        var n = SampleResults.Identity("fp-n", cloud: "nebius");
        await Cache().StoreAsync(
        [
            SampleResults.Result(a, Capability.Storage, CheckStatus.Allowed, _clock.Now),
            SampleResults.Result(a, Capability.Compute, CheckStatus.Allowed, _clock.Now),
            SampleResults.Result(n, Capability.Compute, CheckStatus.Allowed, _clock.Now),
        ], default);

        var removed = await Cache().RemoveAsync(e => e.Cloud == "gcp" && e.Capability == Capability.Compute, default);

        removed.Should().ContainSingle().Which.Fingerprint.Should().Be("fp-a");
        Cache().Read().Entries.Select(e => (e.Cloud, e.Capability)).Should().BeEquivalentTo([("gcp", Capability.Storage), ("nebius", Capability.Compute)]);
    }

    [Fact]
    public async Task A_held_lock_makes_the_writer_give_up_with_a_warning_after_the_timeout()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        using var held = new FileStream(CachePath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var cache = new CheckCache(new CacheSettings { FilePath = CachePath }.With(lockTimeout: TimeSpan.FromMilliseconds(200)), _log, _clock.Func);

        await cache.StoreAsync([SampleResults.Result(SampleResults.Identity("fp"), Capability.Storage, CheckStatus.Allowed, _clock.Now)], default);

        File.Exists(CachePath).Should().BeFalse();
        _log.Lines.Should().Contain(l => l.Contains("could not lock"));
    }
}
