using SkyPilot.PowerShell.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// AWS through the real engine and the staged module, against moto with IAM enforced (AWS_ENDPOINT_URL), with the AWS
/// files written and switched by the real aws CLI (AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE of the test's own).
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class AwsCmdletTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();
    private readonly AwsWorld _aws = NewAws(world);

    public void Dispose()
    {
        _session.Dispose();
        _aws.Dispose();
    }

    private static AwsWorld NewAws(EngineWorld world)
    {
        var aws = new AwsWorld(world.Moto.Endpoint);
        aws.Set("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(aws.AwsDirectory, "credentials"));
        aws.Set("AWS_CONFIG_FILE", Path.Combine(aws.AwsDirectory, "config"));
        return aws;
    }

    /// <summary>The jobs world's variables (API server, GCP) plus this test's AWS files and endpoint.</summary>
    private ProcessEnvironment Use(params (string Name, string? Value)[] extra) => world.UseGcp(
        new[] { "AWS_ENDPOINT_URL", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_PROFILE" }
            .Select(n => (n, _aws.Variables.TryGetValue(n, out var v) ? v : null))
            .Append(("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "30"))
            .Concat(extra).ToArray());

    [Fact]
    public void Seed_scenario_a_CLI_profile_switch_shows_Bs_missing_RunInstances_without_refresh_and_Get_SkyCache_says_why()
    {
        _aws.ConfigureAsync("dev", world.Moto.Alice).GetAwaiter().GetResult();
        _aws.ConfigureAsync("prod", world.Moto.Bob).GetAwaiter().GetResult();
        using var env = Use(("AWS_PROFILE", "dev"));
        var first = _session.Run("Test-SkyCloud -Cloud aws").ShouldSucceed().Value();
        ((bool)first.Compute.Allowed).Should().BeTrue((string)first.Compute.Reason);
        ((string)first.Identity.Account).Should().Be(world.Moto.Alice.Arn);

        // The user switches profile in the same session, as in any shell.
        _session.Run("$env:AWS_PROFILE = 'prod'").ShouldSucceed();
        var cache = _session.Run("Get-SkyCache -Cloud aws").ShouldSucceed();
        var after = _session.Run("Test-SkyCloud aws").ShouldSucceed().Value();

        cache.Output.Select(o => (string)((dynamic)o).InvalidReason).Should().Contain("profile changed: dev → prod");
        ((bool)after.FromCache).Should().BeFalse();
        ((bool)after.Compute.Allowed).Should().BeFalse();
        ((IEnumerable<object>)after.Compute.MissingPermissions).Select(p => p.ToString()).Should().Equal("ec2:RunInstances");
        ((string)after.Compute.Hint).Should().Contain("docs.skypilot.co");
        ((bool)after.Storage.Allowed).Should().BeTrue();
        var table = _session.Run("Test-SkyCloud aws | Out-String -Width 200").ShouldSucceed().Output.Single().ToString();
        table.Should().Contain("AWS");
    }

    [Fact]
    public void An_expired_SSO_login_is_a_check_result_saying_run_aws_sso_login_not_an_error()
    {
        _aws.WriteFile(".aws/config", "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n");
        var cache = Path.Combine(_aws.Home, ".aws", "sso", "cache", Convert.ToHexString(System.Security.Cryptography.SHA1.HashData("corp"u8)).ToLowerInvariant() + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        File.WriteAllText(cache, "{\"accessToken\": \"old\", \"expiresAt\": \"" + DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ") + "\"}");
        using var env = Use(("AWS_PROFILE", "sso"), ("HOME", _aws.Home));

        var result = _session.Run("Test-SkyCloud -Cloud aws").ShouldSucceed().Value();

        ((string)result.Compute.Status.ToString()).Should().Be("CredentialsExpired");
        ((string)result.Compute.Hint).Should().Be("run: aws sso login --profile sso");
    }

    [Fact]
    public void Submit_SkyJob_for_infra_aws_with_an_s3_bucket_prechecks_compute_before_uploading_anything()
    {
        _aws.ConfigureAsync("default", world.Moto.Bob).GetAwaiter().GetResult();
        var bucket = "jobs-" + Guid.NewGuid().ToString("N")[..10];
        var config = world.Jobs.Gcp.Temp.WriteFile("sky-" + bucket + ".yaml", "jobs:\n  bucket: s3://" + bucket + "\n");
        var task = world.Jobs.WriteTask(infra: "aws");
        var launchesBefore = world.Jobs.Api.Launches.Count;
        using var env = Use(("SKYPILOT_CONFIG", config));

        _session.Run("Set-Location $args[0]", world.Jobs.TaskDirectory).ShouldSucceed();
        var denied = _session.Run("Submit-SkyJob -Path $args[0]", task);

        var error = denied.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("PrecheckFailed", error.ToString());
        error.ToString().Should().Contain("ec2:RunInstances");
        world.Jobs.Api.Launches.Count.Should().Be(launchesBefore);
        _aws.Cli.TryRunAsync("s3api", "head-bucket", "--bucket", bucket).GetAwaiter().GetResult().ExitCode.Should().NotBe(0, "nothing was created or uploaded");
    }

    /// <summary>A fresh kubeconfig (KUBECONFIG) with a context at the world's API server that is not the current one: no Kubernetes identity.</summary>
    private string KubeconfigWithoutCurrentContext()
    {
        var kube = world.Kubernetes;
        var file = kube.Temp.Combine("kubeconfig-" + Guid.NewGuid().ToString("N")[..8]);
        kube.Set("KUBECONFIG", file);
        kube.AddTokenContextAsync("team-a", world.KubeServer, world.KubeServer.IssueToken("alice")).GetAwaiter().GetResult();
        return file;
    }

    [Fact]
    public async Task A_default_run_with_no_AWS_or_Kubernetes_credentials_answers_both_locally_with_no_request()
    {
        await using var proxy = await AwsFaultProxy.StartAsync(world.Moto.Endpoint);
        var kubeconfig = KubeconfigWithoutCurrentContext();
        var kubeRequests = world.KubeServer.Requests.Count;
        using var env = Use(("AWS_ENDPOINT_URL", proxy.Endpoint), ("KUBECONFIG", kubeconfig));

        var results = _session.Run("Test-SkyCloud").ShouldSucceed().Output.Select(o => (dynamic)o).ToList();

        results.Select(r => (string)r.Cloud).Should().Equal("aws", "gcp", "kubernetes", "nebius");
        var aws = results.Single(r => (string)r.Cloud == "aws");
        var kubernetes = results.Single(r => (string)r.Cloud == "kubernetes");
        ((string)aws.Compute.Status.ToString()).Should().Be("NoCredentials", (string)aws.Compute.Reason);
        ((string)kubernetes.Compute.Status.ToString()).Should().Be("NoCredentials", (string)kubernetes.Compute.Reason);
        ((bool)results.Single(r => (string)r.Cloud == "gcp").Compute.Allowed).Should().BeTrue("GCP is checked over the network as usual");
        proxy.Requests.Should().BeEmpty("no AWS credentials: nothing is asked of AWS");
        world.KubeServer.Requests.Count.Should().Be(kubeRequests, "no current context: nothing is asked of the API server");
    }

    [Fact]
    public async Task The_clouds_of_a_default_run_are_checked_concurrently()
    {
        // AWS is delayed by a credential_process that sleeps 2 s, GCP by a 2 s fault on its permission test: run one after
        // the other they take at least 4 s, together about 2 s, so the bound below leaves a second for a loaded machine.
        var script = _aws.Temp.WriteFile("slow-creds.py", "import json, time\ntime.sleep(2)\nprint(json.dumps({'Version': 1, 'AccessKeyId': '" + world.Moto.Alice.AccessKeyId + "', 'SecretAccessKey': '" + world.Moto.Alice.SecretAccessKey + "'}))\n");
        await _aws.Cli.RunAsync("configure", "set", "credential_process", MotoServer.Python + " " + script, "--profile", "default");
        using var env = Use(("KUBECONFIG", KubeconfigWithoutCurrentContext()));
        TimeSpan Timed(string script)
        {
            world.Gcp.Server.InjectFault(":testIamPermissions", Fault.Slow(TimeSpan.FromSeconds(2)));
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            var result = _session.Run(script + " -Refresh").ShouldSucceed().Output.Select(o => (dynamic)o).ToList();
            stopwatch.Stop();
            foreach (var r in result.Where(r => (string)r.Cloud == "aws" || (string)r.Cloud == "gcp"))
            {
                ((bool)r.Compute.Allowed).Should().BeTrue((string)r.Compute.Reason);
            }

            return stopwatch.Elapsed;
        }

        _session.Run("Test-SkyCloud aws -Refresh").ShouldSucceed(); // warm the engine and moto
        var aws = Timed("Test-SkyCloud aws");
        var gcp = Timed("Test-SkyCloud gcp");
        var all = Timed("Test-SkyCloud");

        aws.Should().BeGreaterThan(TimeSpan.FromSeconds(2));
        gcp.Should().BeGreaterThan(TimeSpan.FromSeconds(2));
        all.Should().BeLessThan(aws + gcp - TimeSpan.FromSeconds(1.2), "AWS (" + aws + ") and GCP (" + gcp + ") wait at the same time, not one after the other");
    }
}
