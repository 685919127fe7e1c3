using System.Text.Json.Nodes;
using SkyPilot.Core;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;
using SkyPilot.Core.Http;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Cache;

/// <summary>The cache faults found by fault injection: bad entries, stale temp files, out-of-range settings.</summary>
public sealed class CacheFaultTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ManualClock _clock = new();
    private readonly RecordingLog _log = new();

    public void Dispose() => _temp.Dispose();

    private string CachePath => _temp.Combine("sky", "powershell-check-cache.json");

    private CheckCache Cache() => new(new CacheSettings { FilePath = CachePath }, _log, _clock.Func);

    private async Task StoreTwoAsync()
    {
        await Cache().StoreAsync(
        [
            SampleResults.Result(SampleResults.Identity("fp-a"), Capability.Storage, CheckStatus.Allowed, _clock.Now),
            SampleResults.Result(SampleResults.Identity("fp-b"), Capability.Storage, CheckStatus.Allowed, _clock.Now),
        ], default);
    }

    /// <summary>Sets one field of the entry for fp-a to a raw JSON value.</summary>
    private void Corrupt(string field, JsonNode? value)
    {
        var root = JsonNode.Parse(File.ReadAllText(CachePath))!;
        var entry = root["entries"]!.AsArray().Single(e => (string?)e!["fingerprint"] == "fp-a")!;
        entry[field] = value;
        File.WriteAllText(CachePath, root.ToJsonString());
    }

    public static TheoryData<string, string> BadFields => new()
    {
        { "expiresAtMs", "253402300800001" },
        { "checkedAtMs", "-99999999999999999" },
        { "durationMs", "\"NaN\"" },
        { "durationMs", "\"Infinity\"" },
        { "checkedAtMs", "\"yesterday\"" },
        { "expiresAtMs", "1e400" },
        { "identity", "[1,2]" },
        { "status", "{\"a\":1}" },
        { "capability", "\"Teleport\"" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task An_entry_with_an_unusable_field_is_dropped_with_a_warning_and_the_rest_is_served(string field, string json)
    {
        await StoreTwoAsync();
        Corrupt(field, JsonNode.Parse(json));

        var snapshot = Cache().Read();

        snapshot.Problem.Should().BeNull();
        snapshot.Entries.Select(e => e.Fingerprint).Should().Equal("fp-b");
        snapshot.Find(SampleResults.Identity("fp-b"), Capability.Storage, _clock.Now).Should().NotBeNull();
        _log.Lines.Should().ContainSingle(l => l.StartsWith("WARNING: check cache") && l.Contains("1 entry was dropped") && l.Contains(field));
    }

    [Fact]
    public async Task A_bad_entry_does_not_stop_validation_removal_or_storing_and_the_next_write_repairs_the_file()
    {
        await StoreTwoAsync();
        Corrupt("expiresAtMs", 253402300800001);

        Cache().Read().Validate(_ => SampleResults.Identity("fp-b"), _clock.Now).Should().ContainSingle(e => e.IsValid);
        var removed = await Cache().RemoveAsync(_ => false, default);
        removed.Should().BeEmpty();

        File.ReadAllText(CachePath).Should().NotContain("253402300800001", "a write after a dropped entry repairs the file");
        _log.Lines.Clear();
        Cache().Read().Entries.Should().ContainSingle();
        _log.Lines.Should().BeEmpty();

        await Cache().StoreAsync([SampleResults.Result(SampleResults.Identity("fp-c"), Capability.Compute, CheckStatus.Allowed, _clock.Now)], default);
        Cache().Read().Entries.Select(e => e.Fingerprint).Should().BeEquivalentTo(["fp-b", "fp-c"]);
    }

    [Fact]
    public async Task Stale_temp_files_of_our_own_naming_are_reclaimed_on_a_later_write_and_others_are_left_alone()
    {
        await StoreTwoAsync();
        var directory = Path.GetDirectoryName(CachePath)!;
        var stale = Path.Combine(directory, ".powershell-check-cache.json.0123abcd.tmp");
        var staleDirectory = Path.Combine(directory, ".powershell-check-cache.json.89abcdef.tmp");
        var fresh = Path.Combine(directory, ".powershell-check-cache.json.fedcba98.tmp");
        var foreign = Path.Combine(directory, ".powershell-check-cache.json.not-ours.tmp");
        var otherFile = Path.Combine(directory, ".powershell-jobs.json.0123abcd.tmp");
        foreach (var path in new[] { stale, fresh, foreign, otherFile })
        {
            File.WriteAllBytes(path, new byte[1024]);
        }

        Directory.CreateDirectory(staleDirectory);
        File.WriteAllText(Path.Combine(staleDirectory, "powershell-check-cache.json"), "{");
        var old = DateTime.UtcNow - TimeSpan.FromHours(1);
        foreach (var path in new[] { stale, foreign, otherFile })
        {
            File.SetLastWriteTimeUtc(path, old);
        }

        Directory.SetLastWriteTimeUtc(staleDirectory, old);

        await Cache().StoreAsync([SampleResults.Result(SampleResults.Identity("fp-c"), Capability.Compute, CheckStatus.Allowed, _clock.Now)], default);

        File.Exists(stale).Should().BeFalse("a temp file a killed writer left is reclaimed");
        Directory.Exists(staleDirectory).Should().BeFalse("so is a staging directory (netstandard2.0 on Unix)");
        File.Exists(fresh).Should().BeTrue("a young temp file may belong to a write in flight");
        File.Exists(foreign).Should().BeTrue("names not of our making are left alone");
        File.Exists(otherFile).Should().BeTrue("another state file's temps are its own writer's business");
    }

    [Fact]
    public async Task The_cache_directory_is_created_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await StoreTwoAsync();

        File.GetUnixFileMode(Path.GetDirectoryName(CachePath)!).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public static TheoryData<string, string> OutOfRange => new()
    {
        { "SKYPILOT_PS_CACHE_TTL_MINUTES", "1e10" },
        { "SKYPILOT_PS_CACHE_TTL_MINUTES", "Infinity" },
        { "SKYPILOT_PS_CACHE_TTL_MINUTES", "-5" },
        { "SKYPILOT_PS_CACHE_DENIED_TTL_SECONDS", "NaN" },
        { "SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "1e300" },
        { "SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "0" },
        { "SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "2.5" },
        { "SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "1000000000000" },
        { "SKYPILOT_PS_UPLOAD_PARALLELISM", "many" },
        { "SKYPILOT_PS_NEBIUS_TOKEN_WARN_HOURS", "13" },
        { "SKYPILOT_PS_JOB_POLL_SECONDS", "-Infinity" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void An_unusable_setting_is_one_warning_naming_the_variable_and_the_default_and_the_default_is_used(string variable, string value)
    {
        var env = new SkyEnvironment(new Dictionary<string, string> { [variable] = value }, _temp.Path, isWindows: false);

        var cache = CacheSettings.FromEnvironment(env, _log);
        var http = HttpSettings.FromEnvironment(env, _log);
        SkySettings.For(env).ReportTo(_log);

        var setting = SkySettings.All.Single(s => s.Variable == variable);
        SkySettings.For(env).Get(setting).Should().Be(setting.Default);
        cache.AllowedTtl.Should().Be(TimeSpan.FromHours(1));
        http.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(20));
        var warning = _log.Lines.Should().ContainSingle().Which;
        warning.Should().StartWith("WARNING: " + variable + "=").And.Contain("using the default " + setting.Default.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Settings_in_range_are_used_without_a_warning()
    {
        var env = new SkyEnvironment(new Dictionary<string, string>
        {
            ["SKYPILOT_PS_CACHE_TTL_MINUTES"] = "0",
            ["SKYPILOT_PS_HTTP_TIMEOUT_SECONDS"] = "0.5",
            ["SKYPILOT_PS_HTTP_MAX_ATTEMPTS"] = "1",
            ["SKYPILOT_PS_UPLOAD_PARALLELISM"] = "64",
        }, _temp.Path, isWindows: false);

        CacheSettings.FromEnvironment(env, _log).AllowedTtl.Should().Be(TimeSpan.Zero);
        var http = HttpSettings.FromEnvironment(env, _log);
        http.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(0.5));
        http.MaxAttempts.Should().Be(1);
        SkyPilot.Core.Storage.GcsStager.Parallelism(env).Should().Be(64);
        _log.Lines.Should().BeEmpty();
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("1e10", false)]
    [InlineData("7", true)]
    public void A_setting_counts_as_given_only_when_the_user_set_a_usable_value(string? value, bool given)
    {
        var variables = new Dictionary<string, string>();
        if (value != null)
        {
            variables["SKYPILOT_PS_HTTP_TIMEOUT_SECONDS"] = value;
        }

        SkySettings.For(new SkyEnvironment(variables, _temp.Path, isWindows: false)).IsGiven(SkySettings.HttpTimeoutSeconds).Should().Be(given);
    }
}
