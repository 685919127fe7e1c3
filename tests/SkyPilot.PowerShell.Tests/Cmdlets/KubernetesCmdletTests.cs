using System.Management.Automation;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// Kubernetes through the real engine and the staged module: contexts written and switched by the real kubectl in a
/// kubeconfig of the test's own (KUBECONFIG), checks against the loopback TLS API server.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class KubernetesCmdletTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    /// <summary>A fresh kubeconfig with team-a (alice, allowed) and team-b (bob, no <c>create pods</c>); team-a is current.</summary>
    private string Kubeconfig()
    {
        var kube = world.Kubernetes;
        var file = kube.Temp.Combine("kubeconfig-" + Guid.NewGuid().ToString("N")[..8]);
        kube.Set("KUBECONFIG", file);
        kube.AddTokenContextAsync("team-a", world.KubeServer, world.KubeServer.IssueToken("alice")).GetAwaiter().GetResult();
        kube.AddTokenContextAsync("team-b", world.KubeServer, world.KubeServer.IssueToken("bob")).GetAwaiter().GetResult();
        kube.UseContextAsync("team-a").GetAwaiter().GetResult();
        return file;
    }

    private void UseContext(string context) => world.Kubernetes.UseContextAsync(context).GetAwaiter().GetResult();

    [Fact]
    public void Test_SkyCloud_kubernetes_reports_compute_and_storage_not_applicable()
    {
        using var env = world.UseGcp(("KUBECONFIG", Kubeconfig()));

        var result = _session.Run("Test-SkyCloud -Cloud kubernetes").ShouldSucceed();

        var check = result.Output.Should().ContainSingle().Subject;
        ((string)check.Properties["Cloud"].Value).Should().Be("kubernetes");
        ((string)check.Properties["Summary"].Value).Should().Be("enabled [compute]");
        dynamic value = check;
        ((bool)value.Compute.Allowed).Should().BeTrue((string)value.Compute.Reason);
        ((string)value.Storage.Status.ToString()).Should().Be("NotApplicable");
        ((string)value.Identity.DisplayName).Should().Be("alice [context=team-a, namespace=default]");
        var table = _session.Run("Test-SkyCloud -Cloud kubernetes | Out-String -Width 200").ShouldSucceed().Output.Single().ToString();
        table.Should().Contain("Kubernetes").And.Contain("N/A"); // NotApplicable, short in the 80-column view
    }

    [Fact]
    public void Seed_scenario_a_kubectl_context_switch_shows_the_missing_verb_without_refresh_and_Get_SkyCache_says_why()
    {
        using var env = world.UseGcp(("KUBECONFIG", Kubeconfig()));
        ((bool)_session.Run("Test-SkyCloud k8s").ShouldSucceed().Value().Compute.Allowed).Should().BeTrue();

        UseContext("team-b");
        var cache = _session.Run("Get-SkyCache -Cloud kubernetes").ShouldSucceed().Value();
        var after = _session.Run("Test-SkyCloud k8s").ShouldSucceed().Value();

        ((string)cache.InvalidReason).Should().Be("context changed: team-a → team-b");
        ((bool)after.FromCache).Should().BeFalse();
        ((bool)after.Compute.Allowed).Should().BeFalse();
        ((IEnumerable<object>)after.Compute.MissingPermissions).Select(p => p.ToString()).Should().Equal("create pods");
        ((string)after.Compute.Hint).Should().Contain("kubectl auth can-i create pods -n default --context team-b");
    }

    [Fact]
    public void Submit_SkyJob_for_infra_k8s_prechecks_compute_before_uploading_anything()
    {
        using var env = world.UseGcp(("KUBECONFIG", Kubeconfig()));
        var task = world.Jobs.WriteTask(infra: "k8s");
        UseContext("team-b");
        var objectsBefore = world.Gcp.Server.Objects(JobWorld.Bucket).Count;
        var launchesBefore = world.Jobs.Api.Launches.Count;

        _session.Run("Set-Location $args[0]", world.Jobs.TaskDirectory).ShouldSucceed();
        var denied = _session.Run("Submit-SkyJob -Path $args[0]", task);

        var error = denied.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("PrecheckFailed", error.ToString());
        error.ToString().Should().Contain("create pods");
        world.Gcp.Server.Objects(JobWorld.Bucket).Count.Should().Be(objectsBefore, "nothing is uploaded for a job that cannot start");
        world.Jobs.Api.Launches.Count.Should().Be(launchesBefore);

        UseContext("team-a");
        var submitted = _session.Run("Submit-SkyJob -Path $args[0]", task).ShouldSucceed().Value();
        ((long)submitted.JobId).Should().BeGreaterThan(0);
        world.Gcp.Server.Objects(JobWorld.Bucket).Count.Should().BeGreaterThan(objectsBefore);
    }

    [Fact]
    public void No_token_reaches_any_stream_or_the_cache_file()
    {
        var kubeconfig = Kubeconfig();
        using var env = world.UseGcp(("KUBECONFIG", kubeconfig));
        var tokens = File.ReadAllLines(kubeconfig).Select(l => l.Trim()).Where(l => l.StartsWith("token: ", StringComparison.Ordinal)).Select(l => l["token: ".Length..]).ToList();
        tokens.Should().HaveCount(2);

        var checks = _session.Run("Test-SkyCloud kubernetes -Verbose -Debug | Format-List * | Out-String; Get-SkyCloudIdentity kubernetes | Format-List * | Out-String; Get-SkyCache | Format-List * | Out-String").ShouldSucceed();
        UseContext("team-b");
        var after = _session.Run("Test-SkyCloud kubernetes -Verbose -Debug | Format-List * | Out-String").ShouldSucceed();

        var cacheFile = Directory.GetFiles(Environment.GetEnvironmentVariable("SKYPILOT_PS_CACHE_DIR")!, "*.json").Single();
        foreach (var token in tokens)
        {
            checks.AllText().Should().NotContain(token);
            after.AllText().Should().NotContain(token);
            File.ReadAllText(cacheFile).Should().NotContain(token);
        }
    }

    [Fact]
    public void Get_SkyCloudIdentity_reads_the_context_locally()
    {
        using var env = world.UseGcp(("KUBECONFIG", Kubeconfig()));
        world.KubeServer.Requests.Clear();

        var identity = _session.Run("Get-SkyCloudIdentity -Cloud kubernetes").ShouldSucceed().Value();

        ((string)identity.Configuration).Should().Be("team-a");
        ((string)identity.Endpoint).Should().Be(world.KubeServer.Server);
        ((string)identity.CredentialType).Should().Be("token");
        world.KubeServer.Requests.Should().BeEmpty("identity is resolved from local files only");
    }

    [Fact]
    public void Cloud_names_complete_and_validate_with_kubernetes_and_its_alias()
    {
        var completions = _session.Run("(TabExpansion2 -inputScript 'Test-SkyCloud -Cloud kub' -cursorColumn 24).CompletionMatches.CompletionText").ShouldSucceed();
        completions.Output.Select(o => o.ToString()).Should().Equal("kubernetes");

        var unknown = _session.Run("Test-SkyCloud -Cloud kubernets");
        unknown.AllErrors.Should().ContainSingle().Which.ToString().Should().Contain("kubernetes");
    }
}
