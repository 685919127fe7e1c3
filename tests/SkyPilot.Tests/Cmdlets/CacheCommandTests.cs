using System.Management.Automation;
using System.Reflection;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.PowerShell.Commands;
using SkyPilot.Tests.Support;

namespace SkyPilot.Tests.Cmdlets;

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class CacheCommandTests : IAsyncLifetime
{
    private GcpWorld _world = null!;

    public async Task InitializeAsync()
    {
        _world = await GcpWorld.StartAsync();
        _world.Set("SKYPILOT_PS_CACHE_DIR", _world.Temp.Combine("cache"));
        _world.Set("GOOGLE_CLOUD_PROJECT", "proj");
        _world.ServiceAccount("a", "proj", GcpWorld.AllPermissions());
        _world.ServiceAccount("b", "proj", GcpWorld.StoragePermissions());
        _world.UseKey("a");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private RecordingSink Run(SkyPilot.PowerShell.Infrastructure.SkyCmdlet command, bool approve = true)
    {
        var sink = new RecordingSink { Approve = approve };
        using (new ProcessEnvironment(_world.Variables))
        {
            command.Invoke(sink);
        }

        return sink;
    }

    /// <summary>Caches GCP results for identity a and b, plus a result of another cloud written by Core.</summary>
    private async Task SeedAsync()
    {
        Run(new TestSkyCloudCommand { Cloud = ["gcp"] });
        _world.UseKey("b");
        Run(new TestSkyCloudCommand { Cloud = ["gcp"] });
        var cache = new CheckCache(CacheSettings.FromEnvironment(_world.Environment()), new RecordingLog());
        await cache.StoreAsync([SampleResults.Result(SampleResults.Identity("fp-nebius", cloud: "nebius"), Capability.Compute, CheckStatus.Allowed, DateTimeOffset.UtcNow)], default);
    }

    private List<CacheEntry> Entries() => Run(new GetSkyCacheCommand()).Output.Cast<CacheEntry>().ToList();

    [Fact]
    public void Test_SkyCloud_twice_is_served_from_cache_the_second_time()
    {
        Run(new TestSkyCloudCommand { Cloud = ["gcp"] });
        var requests = _world.Server.Requests.Count;

        var second = (CloudCheckResult)Run(new TestSkyCloudCommand { Cloud = ["gcp"] }).Output.Single();

        second.FromCache.Should().BeTrue();
        _world.Server.Requests.Count.Should().Be(requests);
        ((CloudCheckResult)Run(new TestSkyCloudCommand { Cloud = ["gcp"], RefreshRequested = true }).Output.Single()).FromCache.Should().BeFalse();
    }

    [Fact]
    public async Task Get_SkyCache_shows_each_entry_with_its_identity_and_validity_now()
    {
        await SeedAsync();

        var gcp = Run(new GetSkyCacheCommand { Cloud = ["gcp"] }).Output.Cast<CacheEntry>().ToList();

        gcp.Should().HaveCount(4).And.OnlyContain(e => e.Cloud == "gcp");
        gcp.Where(e => e.Identity.Account == "b@proj.iam.gserviceaccount.com").Should().OnlyContain(e => e.IsValid && e.InvalidReason == null);
        gcp.Where(e => e.Identity.Account == "a@proj.iam.gserviceaccount.com").Should()
            .OnlyContain(e => !e.IsValid && e.InvalidReason == "account changed: a@proj.iam.gserviceaccount.com → b@proj.iam.gserviceaccount.com");
        gcp.Should().OnlyContain(e => e.ExpiresAt > e.CheckedAt);
    }

    [Fact]
    public async Task Clear_SkyCache_WhatIf_removes_nothing()
    {
        await SeedAsync();

        var sink = Run(new ClearSkyCacheCommand(), approve: false);

        sink.ShouldProcessCalls.Should().HaveCount(5);
        Entries().Should().HaveCount(5);
    }

    [Fact]
    public async Task Clear_SkyCache_for_gcp_removes_only_gcp_and_PassThru_emits_what_went()
    {
        await SeedAsync();

        var sink = Run(new ClearSkyCacheCommand { Cloud = ["gcp"], PassThruRequested = true });

        sink.Output.Cast<CacheEntry>().Should().HaveCount(4).And.OnlyContain(e => e.Cloud == "gcp");
        Entries().Should().ContainSingle().Which.Cloud.Should().Be("nebius");
    }

    [Fact]
    public async Task Clear_SkyCache_by_capability()
    {
        await SeedAsync();

        Run(new ClearSkyCacheCommand { Capability = [Capability.Compute] });

        Entries().Should().HaveCount(2).And.OnlyContain(e => e.Capability == Capability.Storage);
    }

    [Fact]
    public async Task Pipeline_from_Get_SkyCache_through_a_filter_clears_exactly_the_piped_entries()
    {
        await SeedAsync();

        // Get-SkyCache | Where-Object { -not $_.IsValid } | Clear-SkyCache: each piped entry binds Cloud, Capability and Fingerprint by property name.
        foreach (var entry in Entries().Where(e => e.Cloud == "gcp" && !e.IsValid))
        {
            Run(new ClearSkyCacheCommand { Cloud = [entry.Cloud], Capability = [entry.Capability], Fingerprint = [entry.Fingerprint] });
        }

        var left = Entries();
        left.Where(e => e.Cloud == "gcp").Should().HaveCount(2).And.OnlyContain(e => e.IsValid && e.Identity.Account == "b@proj.iam.gserviceaccount.com");
        left.Should().Contain(e => e.Cloud == "nebius");
    }

    [Fact]
    public void Clear_SkyCache_binds_Get_SkyCache_output_by_property_name()
    {
        foreach (var name in new[] { "Cloud", "Capability", "Fingerprint" })
        {
            var parameter = typeof(ClearSkyCacheCommand).GetProperty(name)!;
            // Read the attribute from metadata: the reference stub's attribute objects do not keep their values.
            parameter.GetCustomAttributesData().Single(a => a.AttributeType == typeof(ParameterAttribute)).NamedArguments
                .Should().Contain(a => a.MemberName == "ValueFromPipelineByPropertyName" && (bool)a.TypedValue.Value! == true, name);
            var source = typeof(CacheEntry).GetProperty(name);
            source.Should().NotBeNull(name);
            parameter.PropertyType.GetElementType().Should().Be(source!.PropertyType, name);
        }
    }

    [Fact]
    public void A_corrupt_cache_file_warns_and_the_check_still_succeeds()
    {
        Directory.CreateDirectory(_world.Temp.Combine("cache"));
        File.WriteAllText(_world.Temp.Combine("cache", "powershell-check-cache.json"), "{ this is not json");

        var sink = Run(new TestSkyCloudCommand { Cloud = ["gcp"] });

        ((CloudCheckResult)sink.Output.Single()).Enabled.Should().BeTrue();
        sink.Errors.Should().BeEmpty();
        sink.Warnings.Should().Contain(w => w.Contains("is damaged"));
        Entries().Should().HaveCount(2, "the cache was rebuilt with the new results");
    }
}
