using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.Core.Storage;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Aws;

/// <summary>
/// Staging's prechecks with IAM enforced in moto, every request recorded by a proxy: a bucket the identity cannot read is
/// refused before any upload, and the seed scenario's identity B (no ec2:RunInstances) uploads nothing.
/// </summary>
public sealed class S3PrecheckTests : IClassFixture<MotoFixture>, IAsyncLifetime
{
    private readonly MotoFixture _moto;
    private readonly AwsWorld _world;
    private readonly RecordingLog _log = new();
    private readonly string _bucket = "jobs-" + Guid.NewGuid().ToString("N")[..10];
    private AwsFaultProxy _proxy = null!;

    public S3PrecheckTests(MotoFixture moto)
    {
        _moto = moto;
        _world = new AwsWorld(moto.Endpoint);
    }

    public async Task InitializeAsync()
    {
        _proxy = await AwsFaultProxy.StartAsync(_moto.Endpoint);
        _world.Set("AWS_ENDPOINT_URL", _proxy.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        _world.Dispose();
    }

    private int Writes => _proxy.Count(r => r.StartsWith("PUT", StringComparison.Ordinal) || r.StartsWith("POST /" + _bucket, StringComparison.Ordinal));

    private TaskFile Task(string infra = "aws/us-east-1")
    {
        _world.Temp.WriteFile(Path.Combine("project", "work", "train.py"), "print('hi')\n");
        var path = _world.Temp.WriteFile(Path.Combine("project", "task.yaml"), "workdir: ./work\nresources:\n  infra: " + infra + "\nrun: python train.py\n");
        return TaskParser.ParseFile(path, _world.Temp.Combine("project"));
    }

    [Fact]
    public async Task A_bucket_the_identity_cannot_read_is_refused_before_any_upload()
    {
        _world.AddKeys("default", _moto.Alice);
        await _world.Cli.RunAsync("s3api", "create-bucket", "--bucket", _bucket);
        File.WriteAllText(Path.Combine(_world.AwsDirectory, "credentials"), string.Empty);
        _world.AddKeys("default", _moto.Carol);
        var before = Writes;
        var plan = StagingPlanner.Plan(Task(), "s3://" + _bucket, default);

        var item = await new S3Stager(SharedHttpClient.Instance, _log, S3Store.Aws).PrecheckAsync(plan, _world.Environment(), default);

        item!.Passed.Should().BeFalse();
        item.Reason.Should().Contain("no access to the bucket");
        item.Hint.Should().Contain("arn:aws:s3:::" + _bucket);
        Writes.Should().Be(before);
    }

    [Fact]
    public async Task Seed_scenario_identity_B_without_compute_uploads_nothing()
    {
        _world.WriteFile(".sky/config.yaml", "jobs:\n  bucket: s3://" + _bucket + "/base\n");
        await _world.ConfigureAsync("default", _moto.Alice);
        var service = new CloudCheckService([new Core.Aws.AwsCloudChecker(SharedHttpClient.Instance, _log)], new Core.Cache.CheckCache(Core.Cache.CacheSettings.FromEnvironment(_world.Environment()), _log));
        var a = (await service.CheckAsync(_world.Environment(), [KnownClouds.Aws], null, false, default)).Single().Compute!;
        a.Allowed.Should().BeTrue(a.Reason);
        var submitter = new JobSubmitter(service, SharedHttpClient.Instance, _log);

        await _world.ConfigureAsync("default", _moto.Bob);
        var plan = submitter.Plan(Task(), null, _world.Environment(), default);
        // The submitter refuses before staging (here the API server, absent in this test, may be what it names first).
        await FluentActions.Awaiting(() => submitter.PrecheckAsync(plan, _world.Environment(), default)).Should().ThrowAsync<Exception>();
        var compute = (await service.CheckAsync(_world.Environment(), [KnownClouds.Aws], [Capability.Compute], false, default)).Single();

        plan.Staging!.Scheme.Should().Be("s3");
        compute.FromCache.Should().BeFalse();
        compute.Compute!.MissingPermissions.Should().Equal("ec2:RunInstances");
        Writes.Should().Be(0);
        (await _world.Cli.TryRunAsync("s3api", "head-bucket", "--bucket", _bucket)).ExitCode.Should().NotBe(0, "the bucket was never created");
    }
}
