using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Aws;

/// <summary>
/// The job bucket when <c>jobs.bucket</c> is not set: the store of the task's cloud, as SkyPilot picks it
/// (an AWS task stages to s3://, a Nebius task to nebius://), else the first cloud the user has credentials for.
/// Local only: no request is made (the endpoint is a closed port).
/// </summary>
public sealed class DefaultBucketChoiceTests : IDisposable
{
    private readonly AwsWorld _world = new("http://127.0.0.1:9");

    public void Dispose() => _world.Dispose();

    private SubmitPlan Plan(string? infra, string config = "")
    {
        _world.WriteFile(".sky/config.yaml", config.Length == 0 ? "{}\n" : config);
        _world.Temp.WriteFile(Path.Combine("project", "work", "train.py"), "print('hi')\n");
        var path = _world.Temp.WriteFile(Path.Combine("project", "task.yaml"), "workdir: ./work\n" + (infra is null ? string.Empty : "resources:\n  infra: " + infra + "\n") + "run: python train.py\n");
        var log = new RecordingLog();
        var submitter = new JobSubmitter(CloudCheckService.CreateDefault(_world.Environment(), log), SharedHttpClient.Instance, log);
        return submitter.Plan(TaskParser.ParseFile(path, _world.Temp.Combine("project")), null, _world.Environment(), default);
    }

    private static string Name(string user = "user") => "skypilot-filemounts-" + user + "-";

    [Theory]
    [InlineData("aws", "s3")]
    [InlineData("aws/us-west-2", "s3")]
    [InlineData("nebius/eu-north1", "nebius")]
    [InlineData("gcp", "gs")]
    public void The_task_s_cloud_picks_its_own_store(string infra, string scheme)
    {
        var plan = Plan(infra);

        plan.Staging!.BucketUri.Should().StartWith(scheme + "://" + Name());
        plan.Staging!.Scheme.Should().Be(scheme);
        plan.Staging.MountUris.Values.Should().OnlyContain(u => u.StartsWith(scheme + "://", StringComparison.Ordinal));
        // The storage checked (ours and the API server's) is that of the bucket's store.
        plan.StorageNeeds.Keys.Should().Equal(scheme == "gs" ? "gcp" : scheme == "s3" ? "aws" : "nebius");
    }

    [Fact]
    public void Jobs_bucket_is_honoured_over_the_task_s_cloud()
    {
        Plan("aws", "jobs:\n  bucket: gs://team-bucket/jobs\n").Staging!.BucketUri.Should().Be("gs://team-bucket");
        Plan("gcp", "jobs:\n  bucket: nebius://team-bucket\n").Staging!.Scheme.Should().Be("nebius");
    }

    [Fact]
    public void A_task_on_a_cloud_without_a_store_uses_the_first_cloud_with_credentials_and_gcp_when_there_is_none()
    {
        Plan("kubernetes").Staging!.BucketUri.Should().StartWith("gs://", "no cloud has credentials: the module's default store");
        Plan(null).Staging!.BucketUri.Should().StartWith("gs://");

        _world.AddKeys("default", new AwsTestUser("x", "AKIAEXAMPLEEXAMPLE12", "generated-" + Guid.NewGuid().ToString("N"), "arn:aws:iam::123456789012:user/x"));

        Plan("k8s").Staging!.BucketUri.Should().StartWith("s3://" + Name(), "AWS is the only cloud with credentials, as SkyPilot's first enabled storage cloud");
        Plan(null).Staging!.BucketUri.Should().StartWith("s3://");
        Plan("nebius").Staging!.BucketUri.Should().StartWith("nebius://", "a named cloud with a store wins over credentials");
    }

    [Fact]
    public void The_user_name_and_hash_make_the_name_in_every_store()
    {
        _world.Set("USER", "Ana.B");
        _world.WriteFile(".sky/user_hash", "abcd1234\n");

        Plan("aws").Staging!.BucketUri.Should().Be("s3://skypilot-filemounts-ana-b-abcd1234");
        Plan("gcp").Staging!.BucketUri.Should().Be("gs://skypilot-filemounts-ana-b-abcd1234");
    }
}

/// <summary>
/// An AWS-only task submitted with no <c>jobs.bucket</c>, through <see cref="JobSubmitter"/> to a loopback API server:
/// staged to the default s3:// bucket on moto (IAM not enforced: see <see cref="OpenMotoFixture"/>).
/// </summary>
public sealed class DefaultS3BucketStagingTests(OpenMotoFixture moto) : MotoProxyTests<OpenMotoFixture>(moto)
{
    protected override bool WithApiServer => true;

    [Fact]
    public async Task An_AWS_only_task_is_staged_to_the_default_s3_bucket_and_launched_with_s3_uris()
    {
        World.Set("USER", "u" + Guid.NewGuid().ToString("N")[..8]);
        await World.ConfigureAsync("default", Moto.Alice);
        World.Temp.WriteFile(Path.Combine("project", "work", "train.py"), "print('hi')\n");
        World.Temp.WriteFile(Path.Combine("project", "data", "table.csv"), "a,b\n");
        var (submitter, plan) = Submit(World.Temp.WriteFile(Path.Combine("project", "task.yaml"), "workdir: ./work\nresources:\n  infra: aws/us-east-1\nfile_mounts:\n  /data: ./data\nrun: python train.py\n"));
        var env = World.Environment();
        var bucket = plan.Staging!.Bucket;

        var items = await submitter.PrecheckAsync(plan, env, default);
        var job = await submitter.SubmitAsync(plan, null, env, _ => { }, default);

        bucket.Should().StartWith("skypilot-filemounts-" + World.Variables["USER"] + "-");
        items.Should().Contain(i => i.Requirement == "object access to s3://" + bucket && i.Passed);
        job.BucketPrefix.Should().Be("s3://" + bucket + "/job-" + plan.Staging.RunId + "/");
        var listing = await World.Cli.RunAsync("s3", "ls", "--recursive", "s3://" + bucket + "/");
        listing.Should().Contain("job-" + plan.Staging.RunId + "/workdir/train.py").And.Contain("job-" + plan.Staging.RunId + "/local-file-mounts/");
        var launch = Api.Launches.Should().ContainSingle().Subject;
        launch.TaskYaml.Should().Contain("s3://" + bucket + "/job-" + plan.Staging.RunId).And.NotContain("gs://");
        Proxy.Count(r => r.StartsWith("PUT /" + bucket + "/job-", StringComparison.Ordinal)).Should().Be(2);
    }
}

/// <summary>
/// With IAM enforced: an identity that may launch but cannot touch S3 (dave) gets the default s3:// bucket refused by the
/// precheck, and nothing is created, uploaded or launched.
/// </summary>
public sealed class DefaultS3BucketPrecheckTests(MotoFixture moto) : MotoProxyTests<MotoFixture>(moto)
{
    protected override bool WithApiServer => true;

    [Fact]
    public async Task An_identity_that_cannot_write_the_default_s3_bucket_uploads_nothing()
    {
        await World.ConfigureAsync("default", Moto.Dave);
        World.Temp.WriteFile(Path.Combine("project", "work", "train.py"), "print('hi')\n");
        var (submitter, plan) = Submit(World.Temp.WriteFile(Path.Combine("project", "task.yaml"), "workdir: ./work\nresources:\n  infra: aws\nrun: python train.py\n"));

        var error = await Assert.ThrowsAsync<PrecheckFailedException>(() => submitter.PrecheckAsync(plan, World.Environment(), default));

        plan.Staging!.Scheme.Should().Be("s3");
        error.Items.Should().Contain(i => i.Requirement.StartsWith("compute for task 1 on aws", StringComparison.Ordinal) && i.Passed, "dave may launch: the bucket is what stops him");
        var bucket = error.Failures.Should().ContainSingle().Subject;
        bucket.Requirement.Should().Be("object access to s3://" + plan.Staging.Bucket);
        bucket.Reason.Should().Contain("no access to the bucket for profile 'default'");
        bucket.MissingPermissions.Should().Equal("s3:ListBucket");
        Proxy.Count(r => r.StartsWith("PUT", StringComparison.Ordinal) || r.StartsWith("POST /" + plan.Staging.Bucket, StringComparison.Ordinal)).Should().Be(0);
        Api.Launches.Should().BeEmpty();
        World.Set("AWS_ACCESS_KEY_ID", Moto.Alice.AccessKeyId);
        World.Set("AWS_SECRET_ACCESS_KEY", Moto.Alice.SecretAccessKey);
        (await World.Cli.TryRunAsync("s3api", "head-bucket", "--bucket", plan.Staging.Bucket)).ExitCode.Should().NotBe(0, "the bucket was never created");
    }
}
