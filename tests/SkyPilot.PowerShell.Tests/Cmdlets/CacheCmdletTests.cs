using System.Management.Automation;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>Issue 11 items 7, 11, 12 and 14: the cache cmdlets and the identity of cached results.</summary>
[Collection(EngineCollection.Name)]
public sealed class CacheCmdletTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public async Task Nebius_identity_is_the_learned_account_on_a_cache_hit_and_FromCache_is_per_capability()
    {
        world.Nebius.WriteToken(await world.Nebius.IssueTokenAsync(email: "demo@example.com"));
        world.Nebius.WriteTenant(NebiusWorld.Tenant);
        using var env = world.UseNebius();

        var fresh = _session.Run("Test-SkyCloud nebius").ShouldSucceed().Value();
        var second = _session.Run("Test-SkyCloud nebius").ShouldSucceed().Value();

        ((string)fresh.Identity.Account).Should().Be("demo@example.com");
        ((bool)second.Compute.FromCache).Should().BeTrue("compute was allowed and cached");
        ((bool)second.Storage.FromCache).Should().BeFalse("a storage result without the AWS profile is checked every time");
        ((string)second.Identity.Account).Should().Be("demo@example.com", "the identity is the one learned for the result, whichever path served it");
        ((string)second.Storage.Identity.Account).Should().Be("demo@example.com");
        ((bool)second.FromCache).Should().BeFalse();
        var table = _session.Run("Test-SkyCloud nebius | Out-String -Width 80").ShouldSucceed().Output[0].ToString();
        table.Should().Contain("partly").And.Contain("demo@example.com");
    }

    [Fact]
    public void Cloud_names_bind_from_the_pipeline_to_Get_SkyCache_and_Clear_SkyCache()
    {
        using var env = world.UseGcp();
        _session.Run("Test-SkyCloud gcp").ShouldSucceed();

        var listed = _session.Run("'gcp' | Get-SkyCache").ShouldSucceed();
        var cleared = _session.Run("'gcp' | Clear-SkyCache -Confirm:$false -PassThru").ShouldSucceed();

        listed.Output.Should().HaveCount(2);
        cleared.Output.Should().HaveCount(2);
        _session.Run("Get-SkyCache").ShouldSucceed().Output.Should().BeEmpty();
    }

    [Fact]
    public void PassThru_shows_whether_each_removed_entry_was_valid_and_why_not()
    {
        using var env = world.UseGcp();
        _session.Run("Test-SkyCloud gcp").ShouldSucceed();
        using (world.UseGcp(("SKYPILOT_PS_CACHE_DIR", Environment.GetEnvironmentVariable("SKYPILOT_PS_CACHE_DIR")), ("GOOGLE_CLOUD_PROJECT", "project-b")))
        {
            var removed = _session.Run("Clear-SkyCache -Capability Compute -Confirm:$false -PassThru").ShouldSucceed();

            var entry = removed.Output.Should().ContainSingle().Subject;
            ((bool)entry.Properties["IsValid"].Value).Should().BeFalse();
            ((string)entry.Properties["InvalidReason"].Value).Should().NotBeNullOrEmpty("an entry for another project says why it is not valid");
        }

        var valid = _session.Run("Clear-SkyCache -Confirm:$false -PassThru").ShouldSucceed();
        ((bool)valid.Output.Should().ContainSingle().Subject.Properties["IsValid"].Value).Should().BeTrue();
    }

    [Fact]
    public async Task WhatIf_targets_tell_entries_for_the_same_account_apart_and_never_end_in_empty_parentheses()
    {
        var env = world.UseGcp(("GOOGLE_CLOUD_PROJECT", null));
        var cacheDirectory = Environment.GetEnvironmentVariable("SKYPILOT_PS_CACHE_DIR")!;
        foreach (var name in new[] { "ux-one", "ux-two" })
        {
            await world.Gcp.Gcloud.RunAsync("config", "configurations", "create", name, "--no-activate");
            await world.Gcp.Gcloud.RunAsync("config", "set", "project", "project-a", "--configuration", name);
            using (world.UseGcp(("GOOGLE_CLOUD_PROJECT", null), ("SKYPILOT_PS_CACHE_DIR", cacheDirectory), ("CLOUDSDK_ACTIVE_CONFIG_NAME", name)))
            {
                _session.Run("Test-SkyCloud gcp -Capability Compute").ShouldSucceed();
            }
        }

        env.Dispose(); // the child process gets the world's variables below, and this process its own HOME back
        var variables = world.Gcp.Variables.ToDictionary(v => v.Key, v => (string?)v.Value);
        variables["SKYPILOT_PS_CACHE_DIR"] = cacheDirectory;
        variables["GOOGLE_CLOUD_PROJECT"] = null;
        variables["SKY_MODULE"] = PowerShellSession.ModuleManifest;
        var result = await Pwsh.RunAsync(["-Command", "Import-Module $env:SKY_MODULE; Clear-SkyCache -WhatIf"], variables);

        var targets = result.StandardOutput.Split('\n').Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).ToList();
        targets.Should().HaveCount(2, result.ToString());
        targets.Should().OnlyHaveUniqueItems();
        targets.Should().OnlyContain(t => !t.Contains("()") && t.Contains("fingerprint") && t.Contains(world.Jobs.Email));
        targets.Should().Contain(t => t.Contains("'ux-one'")).And.Contain(t => t.Contains("'ux-two'"));
    }
}
