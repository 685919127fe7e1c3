using SkyPilot.Core.Aws;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Aws;

/// <summary>The AWS checks against moto with IAM enforced, configured only through AWS_ENDPOINT_URL and files the real CLI writes.</summary>
public sealed class AwsCheckTests : IClassFixture<MotoFixture>, IDisposable
{
    private readonly MotoFixture _moto;
    private readonly AwsWorld _world;
    private readonly RecordingLog _log = new();

    public AwsCheckTests(MotoFixture moto)
    {
        _moto = moto;
        _world = new AwsWorld(moto.Endpoint);
    }

    public void Dispose() => _world.Dispose();

    private AwsCloudChecker Checker() => new(SharedHttpClient.Instance, _log);

    private async Task<IReadOnlyList<CapabilityResult>> CheckAsync(params Capability[] capabilities)
    {
        var checker = Checker();
        return await checker.Resolve(_world.Environment()).CheckAsync(capabilities.Length == 0 ? [Capability.Compute, Capability.Storage] : capabilities, CancellationToken.None);
    }

    [Fact]
    public async Task An_identity_with_the_policy_is_allowed_compute_and_storage_and_named_by_STS()
    {
        await _world.ConfigureAsync("default", _moto.Alice);

        var results = await CheckAsync();

        results.Should().HaveCount(2);
        results.Should().OnlyContain(r => r.Status == CheckStatus.Allowed, string.Join("; ", results.Select(r => r.Reason)));
        var compute = results.Single(r => r.Capability == Capability.Compute);
        compute.Reason.Should().Contain("RunInstances dry run");
        compute.PermissionsTested.Should().Contain(AwsPermissions.RunInstances);
        compute.Identity.Account.Should().Be(_moto.Alice.Arn);
        compute.Identity.CredentialType.Should().Be("shared-credentials-file");
        compute.Identity.Configuration.Should().Be("default");
    }

    [Fact]
    public async Task An_identity_without_RunInstances_is_denied_compute_naming_the_action_and_SkyPilots_policy()
    {
        await _world.ConfigureAsync("default", _moto.Bob);

        var results = await CheckAsync();

        var compute = results.Single(r => r.Capability == Capability.Compute);
        compute.Status.Should().Be(CheckStatus.MissingPermissions);
        compute.MissingPermissions.Should().Equal(AwsPermissions.RunInstances);
        compute.Hint.Should().Contain("ec2:RunInstances").And.Contain(AwsPermissions.PolicyDocs);
        results.Single(r => r.Capability == Capability.Storage).Status.Should().Be(CheckStatus.Allowed);
    }

    [Fact]
    public async Task Where_no_probe_image_is_found_compute_says_launch_permission_not_verified_and_does_not_claim_RunInstances_was_checked()
    {
        // moto ships no latest_amis for mx-central-1, so DescribeImages there finds no al2023 image (as in a new region).
        await _world.ConfigureAsync("default", _moto.Alice);
        await _world.Cli.RunAsync("configure", "set", "region", "mx-central-1", "--profile", "default");

        var compute = (await CheckAsync(Capability.Compute)).Single();

        compute.Status.Should().Be(CheckStatus.Allowed, compute.Reason);
        compute.Reason.Should().StartWith("credentials valid and EC2 answers in mx-central-1")
            .And.Contain("launch permission not verified: no " + AwsPermissions.ProbeImageName + " image found there")
            .And.NotContain("dry run");
        compute.PermissionsTested.Should().Contain(AwsPermissions.DescribeImages).And.NotContain(AwsPermissions.RunInstances);
        compute.MissingPermissions.Should().BeEmpty();
        // GetCallerIdentity, DescribeRegions, DescribeImages: no RunInstances request was sent.
        _log.Lines.Count(l => l.Contains("HTTP POST")).Should().Be(3, string.Join("\n", _log.Lines));
    }

    [Fact]
    public async Task An_identity_that_may_only_ask_who_it_is_is_denied_DescribeRegions_and_ListBuckets()
    {
        _world.AddKeys("default", _moto.Carol);

        var results = await CheckAsync();

        results.Single(r => r.Capability == Capability.Compute).MissingPermissions.Should().Equal(AwsPermissions.DescribeRegions);
        results.Single(r => r.Capability == Capability.Storage).MissingPermissions.Should().Equal(AwsPermissions.ListAllMyBuckets);
    }

    [Fact]
    public async Task An_unknown_key_is_invalid_credentials_not_a_raw_exception()
    {
        _world.AddKeys("default", new AwsTestUser("nobody", "AKIA" + Guid.NewGuid().ToString("N")[..16].ToUpperInvariant(), "not-a-secret", "arn"));

        var results = await CheckAsync();

        results.Should().OnlyContain(r => r.Status == CheckStatus.InvalidCredentials);
        results[0].Reason.Should().Contain("InvalidClientTokenId");
        results[0].Hint.Should().Contain("aws configure");
    }

    [Fact]
    public async Task No_credentials_at_all_are_answered_locally_without_a_call()
    {
        _world.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:9"); // nothing listens: any call would fail differently

        var results = await CheckAsync();

        results.Should().OnlyContain(r => r.Status == CheckStatus.NoCredentials);
        results[0].Reason.Should().Be("AWS credentials are not set");
        _log.Lines.Should().NotContain(l => l.Contains("HTTP "));
    }

    [Fact]
    public async Task An_assumed_role_from_a_source_profile_is_checked_as_the_role()
    {
        _world.AddKeys("base", _moto.Carol);
        await _world.Cli.RunAsync("configure", "set", "role_arn", _moto.RoleArn, "--profile", "launcher");
        await _world.Cli.RunAsync("configure", "set", "source_profile", "base", "--profile", "launcher");
        _world.Set("AWS_PROFILE", "launcher");

        var results = await CheckAsync();

        results.Should().OnlyContain(r => r.Status == CheckStatus.Allowed, string.Join("; ", results.Select(r => r.Reason)));
        results[0].Identity.CredentialType.Should().Be("assume-role");
        results[0].Identity.Account.Should().Contain("assumed-role/launcher");
    }

    [Fact]
    public async Task A_credential_process_is_run_for_its_keys()
    {
        var script = _world.Temp.WriteFile("creds.py", "import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': '" + _moto.Alice.AccessKeyId + "', 'SecretAccessKey': '" + _moto.Alice.SecretAccessKey + "'}))\n");
        await _world.Cli.RunAsync("configure", "set", "credential_process", MotoServer.Python + " " + script, "--profile", "proc");
        _world.Set("AWS_PROFILE", "proc");

        var results = await CheckAsync(Capability.Storage);

        results.Single().Status.Should().Be(CheckStatus.Allowed, results.Single().Reason);
        results.Single().Identity.CredentialType.Should().Be("custom-process");
        results.Single().Identity.Account.Should().Be(_moto.Alice.Arn);
    }

    [Fact]
    public async Task The_jobs_bucket_is_checked_when_it_is_an_s3_bucket()
    {
        _world.AddKeys("default", _moto.Alice);
        _world.WriteFile(".sky/config.yaml", "jobs:\n  bucket: s3://not-created-" + Guid.NewGuid().ToString("N")[..8] + "/prefix\n");

        var storage = (await CheckAsync(Capability.Storage)).Single();

        storage.Status.Should().Be(CheckStatus.Allowed);
        storage.Reason.Should().Contain("does not exist yet");
    }

    [Fact]
    public async Task Secrets_never_appear_in_results_or_the_debug_log()
    {
        _world.AddKeys("default", _moto.Bob);

        var results = await CheckAsync();

        var text = string.Join("\n", results.Select(r => r.Reason + r.Hint + r.Identity.Fingerprint + r.Identity.CredentialDigest)) + string.Join("\n", _log.Lines);
        text.Should().NotContain(_moto.Bob.SecretAccessKey);
        _log.Lines.Should().Contain(l => l.Contains("HTTP POST"));
    }
}
