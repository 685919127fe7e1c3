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
public sealed class S3PrecheckTests(MotoFixture moto) : MotoProxyTests<MotoFixture>(moto)
{
    private readonly string _bucket = "jobs-" + Guid.NewGuid().ToString("N")[..10];

    private int Writes => Proxy.Count(r => r.StartsWith("PUT", StringComparison.Ordinal) || r.StartsWith("POST /" + _bucket, StringComparison.Ordinal));

    private TaskFile Task(string infra = "aws/us-east-1")
    {
        World.Temp.WriteFile(Path.Combine("project", "work", "train.py"), "print('hi')\n");
        var path = World.Temp.WriteFile(Path.Combine("project", "task.yaml"), "workdir: ./work\nresources:\n  infra: " + infra + "\nrun: python train.py\n");
        return TaskParser.ParseFile(path, World.Temp.Combine("project"));
    }

    [Fact]
    public async Task A_bucket_the_identity_cannot_read_is_refused_before_any_upload()
    {
        World.AddKeys("default", Moto.Alice);
        await World.Cli.RunAsync("s3api", "create-bucket", "--bucket", _bucket);
        File.WriteAllText(Path.Combine(World.AwsDirectory, "credentials"), string.Empty);
        World.AddKeys("default", Moto.Carol);
        var before = Writes;
        var plan = StagingPlanner.Plan(Task(), "s3://" + _bucket, default);

        var item = await new S3Stager(SharedHttpClient.Instance, Log, S3Store.Aws).PrecheckAsync(plan, World.Environment(), default);

        item!.Passed.Should().BeFalse();
        item.Reason.Should().Contain("no access to the bucket");
        item.Hint.Should().Contain("arn:aws:s3:::" + _bucket);
        Writes.Should().Be(before);
    }

    [Fact]
    public async Task Seed_scenario_identity_B_without_compute_uploads_nothing()
    {
        World.WriteFile(".sky/config.yaml", "jobs:\n  bucket: s3://" + _bucket + "/base\n");
        await World.ConfigureAsync("default", Moto.Alice);
        var service = new CloudCheckService([new Core.Aws.AwsCloudChecker(SharedHttpClient.Instance, Log)], new Core.Cache.CheckCache(Core.Cache.CacheSettings.FromEnvironment(World.Environment()), Log));
        var a = (await service.CheckAsync(World.Environment(), [KnownClouds.Aws], null, false, default)).Single().Compute!;
        a.Allowed.Should().BeTrue(a.Reason);
        var submitter = new JobSubmitter(service, SharedHttpClient.Instance, Log);

        await World.ConfigureAsync("default", Moto.Bob);
        var plan = submitter.Plan(Task(), null, World.Environment(), default);
        // The submitter refuses before staging (here the API server, absent in this test, may be what it names first).
        await FluentActions.Awaiting(() => submitter.PrecheckAsync(plan, World.Environment(), default)).Should().ThrowAsync<Exception>();
        var compute = (await service.CheckAsync(World.Environment(), [KnownClouds.Aws], [Capability.Compute], false, default)).Single();

        plan.Staging!.Scheme.Should().Be("s3");
        compute.FromCache.Should().BeFalse();
        compute.Compute!.MissingPermissions.Should().Equal("ec2:RunInstances");
        Writes.Should().Be(0);
        (await World.Cli.TryRunAsync("s3api", "head-bucket", "--bucket", _bucket)).ExitCode.Should().NotBe(0, "the bucket was never created");
    }
}
