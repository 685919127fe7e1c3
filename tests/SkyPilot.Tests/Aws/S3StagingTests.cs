using System.Security.Cryptography;
using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.Core.Storage;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Aws;

/// <summary>
/// Staging to s3:// and nebius:// buckets against moto's S3, through a proxy that records every request and injects
/// faults: plan, skip-unchanged, multipart, resume. (Permission cases, with IAM enforced, are in S3PrecheckTests.)
/// </summary>
public sealed class S3StagingTests : MotoProxyTests<OpenMotoFixture>
{
    private readonly string _bucket = "jobs-" + Guid.NewGuid().ToString("N")[..10];

    public S3StagingTests(OpenMotoFixture moto)
        : base(moto)
    {
        World.AddKeys("default", Moto.Alice);
    }

    private int Puts => Proxy.Count(r => r.StartsWith("PUT /" + _bucket + "/", StringComparison.Ordinal));

    /// <summary>A task with a workdir of a few small files and one 20 MiB file (three parts).</summary>
    private string WriteTask(string infra = "aws")
    {
        var work = World.Temp.Combine("project", "work");
        Directory.CreateDirectory(work);
        File.WriteAllText(Path.Combine(work, "train.py"), "print('hi')\n");
        File.WriteAllText(Path.Combine(work, "with space+plus.txt"), "odd name\n");
        var big = new byte[20 * 1024 * 1024 + 123];
        new Random(7).NextBytes(big);
        File.WriteAllBytes(Path.Combine(work, "data.bin"), big);
        return World.Temp.WriteFile(Path.Combine("project", "task.yaml"), "workdir: ./work\nresources:\n  infra: " + infra + "\nrun: python train.py\n");
    }

    private StagingPlan Plan(string scheme = "s3", bool write = true) =>
        StagingPlanner.Plan(TaskParser.ParseFile(write ? WriteTask() : World.Temp.Combine("project", "task.yaml"), World.Temp.Combine("project")), scheme + "://" + _bucket + "/base", default);

    private Task<int> StageAsync(StagingPlan plan, S3Store store = S3Store.Aws) =>
        new S3Stager(SharedHttpClient.Instance, Log, store).StageAsync(plan, World.Environment(), _ => { }, default);

    [Fact]
    public async Task Staging_uploads_as_the_identity_that_was_prechecked_even_when_the_credentials_file_is_emptied_in_between()
    {
        await World.Cli.RunAsync("s3api", "create-bucket", "--bucket", _bucket);
        var plan = Plan();
        var env = World.Environment();
        var stager = new S3Stager(SharedHttpClient.Instance, Log, S3Store.Aws);
        (await stager.PrecheckAsync(plan, env, default))!.Passed.Should().BeTrue();

        File.WriteAllText(Path.Combine(World.AwsDirectory, "credentials"), string.Empty);

        (await stager.StageAsync(plan, env, _ => { }, default)).Should().Be(3, "the prechecked identity stages, not what the files say now");
        World.Environment().Get("AWS_PROFILE").Should().BeNull();
        (await new S3Stager(SharedHttpClient.Instance, Log, S3Store.Aws).PrecheckAsync(plan, World.Environment(), default))!.Passed
            .Should().BeFalse("a new invocation reads the emptied file");
    }

    [Fact]
    public async Task Stages_small_files_and_a_multipart_file_that_the_real_CLI_then_lists_and_a_rerun_uploads_nothing()
    {
        var plan = Plan();

        (await StageAsync(plan)).Should().Be(3);

        var listing = await World.Cli.RunAsync("s3", "ls", "--recursive", "s3://" + _bucket + "/");
        listing.Should().Contain("base/job-" + plan.RunId + "/workdir/train.py").And.Contain("workdir/with space+plus.txt").And.Contain("workdir/data.bin");
        var head = await World.Cli.RunAsync("s3api", "head-object", "--bucket", _bucket, "--key", plan.JobPrefix + "workdir/data.bin", "--query", "[ContentLength,ETag]", "--output", "text");
        head.Should().Contain((20 * 1024 * 1024 + 123).ToString()).And.Contain("-3");
        Proxy.Count(r => r.Contains("partNumber=")).Should().Be(3);
        plan.MountUris.Values.Should().OnlyContain(u => u.StartsWith("s3://" + _bucket + "/base/job-", StringComparison.Ordinal));

        var before = Puts;
        (await StageAsync(Plan())).Should().Be(3);
        Puts.Should().Be(before, "every object is already there with the same ETag");
        Log.Lines.Should().Contain(l => l.Contains("3 of 3 file(s) are already staged"));
    }

    [Fact]
    public async Task A_multipart_upload_cut_short_is_resumed_from_the_parts_already_there()
    {
        var plan = Plan();
        Proxy.Inject(r => r.Method == "PUT" && r.QueryString.Value!.Contains("partNumber=3"), AwsFault.Drop, times: 100);

        var failed = await FluentActions.Awaiting(() => StageAsync(plan)).Should().ThrowAsync<StagingFailedException>();

        failed.Which.Message.Should().Contain("data.bin").And.Contain("no job was submitted");
        Proxy.ClearFaults();
        var creates = Proxy.Count(r => r.StartsWith("POST", StringComparison.Ordinal) && r.EndsWith("?uploads=", StringComparison.Ordinal));
        var part1 = Proxy.Count(r => r.Contains("partNumber=1&"));

        var staged = await FluentActions.Awaiting(() => StageAsync(Plan())).Should().NotThrowAsync("moto said: " + Moto.World.Moto.Log[^Math.Min(3000, Moto.World.Moto.Log.Length)..]);
        staged.Which.Should().Be(3);

        Proxy.Count(r => r.StartsWith("POST", StringComparison.Ordinal) && r.EndsWith("?uploads=", StringComparison.Ordinal)).Should().Be(creates, "the pending upload is resumed, not restarted");
        Proxy.Count(r => r.Contains("partNumber=1&")).Should().Be(part1, "part 1 is already held by S3");
        Log.Lines.Should().Contain(l => l.Contains("Resumed the upload") && l.Contains("2 of 3 part(s)"));
        var head = await World.Cli.RunAsync("s3api", "head-object", "--bucket", _bucket, "--key", plan.JobPrefix + "workdir/data.bin", "--query", "ETag", "--output", "text");
        head.Trim().Trim('"').Should().Be(S3Stager.ExpectedETag(plan.Files.Single(f => f.ObjectName.EndsWith("data.bin", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task A_connection_dropped_after_S3_took_a_part_is_retried_within_the_run()
    {
        Proxy.Inject(r => r.Method == "PUT" && r.QueryString.Value!.Contains("partNumber=2"), AwsFault.DropAfterForward);

        (await StageAsync(Plan())).Should().Be(3);

        Proxy.Count(r => r.Contains("partNumber=2&")).Should().Be(2);
    }

    [Fact]
    public async Task A_changed_file_gives_a_new_run_id_so_every_file_is_staged_again_under_the_new_prefix()
    {
        await StageAsync(Plan());
        var before = Puts;
        File.AppendAllText(World.Temp.Combine("project", "work", "train.py"), "# changed\n");

        await StageAsync(Plan(write: false));

        // A new run id (content changed) means a new prefix: everything is staged there once (two files, three parts).
        Puts.Should().Be(before + 5);
    }

    [Fact]
    public async Task The_precheck_passes_a_missing_bucket_that_will_be_created()
    {
        var item = await new S3Stager(SharedHttpClient.Instance, Log, S3Store.Aws).PrecheckAsync(Plan(), World.Environment(), default);

        item!.Passed.Should().BeTrue(item.Reason);
        item.Reason.Should().Contain("will be created");
    }

    [Fact]
    public async Task Nebius_staging_uses_the_nebius_profile_and_its_endpoint_whatever_AWS_PROFILE_says()
    {
        World.Set("AWS_ENDPOINT_URL", null);
        World.AddKeys("nebius", Moto.Alice);
        World.WriteFile(".aws/config", "[profile nebius]\nregion = eu-north1\nendpoint_url = " + Proxy.Endpoint + "\n");
        World.Set("AWS_PROFILE", "does-not-exist");

        var plan = Plan("nebius");
        (await StageAsync(plan, S3Store.Nebius)).Should().Be(3);

        plan.JobPrefixUri.Should().StartWith("nebius://" + _bucket + "/base/job-");
        plan.Store.Should().Be("nebius");
        TaskRewriter.ToServerYaml(TaskParser.ParseFile(WriteTask(), World.Temp.Combine("project")), plan).Should().Contain("nebius://" + _bucket);
        Proxy.Count(r => r.Contains("partNumber=")).Should().Be(3);
    }
}
