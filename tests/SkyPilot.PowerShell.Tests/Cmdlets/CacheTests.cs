using System.Management.Automation;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>Get-SkyCache and Clear-SkyCache over a cache filled by Test-SkyCloud for two GCP identities and Nebius.</summary>
[Collection(EngineCollection.Name)]
public sealed class CacheTests(EngineWorld world, SharedSession session) : IClassFixture<SharedSession>
{
    private const string Deployer = "deployer@project-a.iam.gserviceaccount.com";
    private const string StorageOnly = "storage-only@project-a.iam.gserviceaccount.com";

    /// <summary>
    /// Caches GCP results for the deployer, then (after the user switches key, as in a shell) for the storage-only
    /// account, and a Nebius compute result: 5 entries, the deployer's 2 no longer valid.
    /// </summary>
    internal static async Task<ProcessEnvironment> SeededAsync(EngineWorld world, SharedSession session)
    {
        var home = world.FreshHome();
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(home, ".nebius")).FullName, "NEBIUS_IAM_TOKEN.txt"), await world.Nebius.IssueTokenAsync());
        File.WriteAllText(Path.Combine(home, ".nebius", "NEBIUS_TENANT_ID.txt"), NebiusWorld.Tenant);
        var env = world.UseGcp(("HOME", home), ("NEBIUS_ENDPOINT", world.Nebius.Variables["NEBIUS_ENDPOINT"]));
        session.Run(
            "Test-SkyCloud gcp; $env:GOOGLE_APPLICATION_CREDENTIALS = $args[0]; Test-SkyCloud gcp; Test-SkyCloud nebius -Capability Compute",
            world.Gcp.KeyPath("storage-only")).ShouldSucceed();
        return env;
    }

    private IReadOnlyList<PSObject> Entries() => session.Run("Get-SkyCache").ShouldSucceed().Output;

    [Fact]
    public async Task Get_SkyCache_shows_each_entry_with_its_identity_and_validity_now()
    {
        using var env = await SeededAsync(world, session);

        var gcp = session.Run("Get-SkyCache -Cloud gcp").ShouldSucceed().Output;

        gcp.Should().HaveCount(4).And.OnlyContain(e => e.Text("Cloud") == "gcp");
        gcp.Should().OnlyContain(e => e.TypeNames.Contains("SkyPilot.Core.Cache.CacheEntry"));
        gcp.Where(e => e.Text("Identity.Account") == StorageOnly).Should().HaveCount(2).And.OnlyContain(e => e.Flag("IsValid") && e.Get("InvalidReason") == null);
        gcp.Where(e => e.Text("Identity.Account") == Deployer).Should().HaveCount(2)
            .And.OnlyContain(e => !e.Flag("IsValid") && e.Text("InvalidReason") == "account changed: " + Deployer + " → " + StorageOnly);
        gcp.Should().OnlyContain(e => (DateTimeOffset)e.Get("ExpiresAt")! > (DateTimeOffset)e.Get("CheckedAt")!);
        Entries().Should().HaveCount(5);
    }

    [Fact]
    public async Task Clear_SkyCache_WhatIf_removes_nothing()
    {
        using var env = await SeededAsync(world, session);

        var result = session.Run("Clear-SkyCache -WhatIf -PassThru").ShouldSucceed();

        result.Output.Should().BeEmpty();
        Entries().Should().HaveCount(5);
    }

    [Fact]
    public async Task Clear_SkyCache_for_gcp_removes_only_gcp_and_PassThru_emits_what_went()
    {
        using var env = await SeededAsync(world, session);

        var removed = session.Run("Clear-SkyCache -Cloud gcp -PassThru").ShouldSucceed().Output;

        removed.Should().HaveCount(4).And.OnlyContain(e => e.Text("Cloud") == "gcp");
        Entries().Should().ContainSingle().Which.Text("Cloud").Should().Be("nebius");
    }

    [Fact]
    public async Task Clear_SkyCache_without_PassThru_emits_nothing()
    {
        using var env = await SeededAsync(world, session);

        session.Run("Clear-SkyCache").ShouldSucceed().Output.Should().BeEmpty();

        Entries().Should().BeEmpty();
    }

    [Fact]
    public async Task Clear_SkyCache_by_capability()
    {
        using var env = await SeededAsync(world, session);

        session.Run("Clear-SkyCache -Capability Compute").ShouldSucceed();

        Entries().Should().HaveCount(2).And.OnlyContain(e => e.Text("Capability") == "Storage");
    }

    [Fact]
    public async Task Pipeline_from_Get_SkyCache_through_a_filter_clears_exactly_the_piped_entries()
    {
        using var env = await SeededAsync(world, session);

        // Each piped entry binds Cloud, Capability and Fingerprint by property name.
        session.Run("Get-SkyCache | Where-Object { $_.Cloud -eq 'gcp' -and -not $_.IsValid } | Clear-SkyCache").ShouldSucceed();

        var left = Entries();
        left.Where(e => e.Text("Cloud") == "gcp").Should().HaveCount(2).And.OnlyContain(e => e.Flag("IsValid") && e.Text("Identity.Account") == StorageOnly);
        left.Should().Contain(e => e.Text("Cloud") == "nebius");
    }

    [Fact]
    public void With_the_cache_turned_off_Get_SkyCache_says_so_and_emits_nothing()
    {
        using var env = world.UseGcp(("SKYPILOT_PS_CACHE", "off"));

        var result = session.Run("Test-SkyCloud gcp | Out-Null; Get-SkyCache -Verbose").ShouldSucceed();

        result.Output.Should().BeEmpty();
        result.Verbose.Should().Contain(v => v.Contains("SKYPILOT_PS_CACHE=off"));
    }
}
