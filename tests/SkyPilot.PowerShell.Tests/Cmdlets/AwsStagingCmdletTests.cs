using SkyPilot.PowerShell.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>moto with IAM not enforced: moto 5.2.1 with enforcement rejects S3 listings whose prefix holds a '/'.</summary>
public sealed class OpenMoto : IAsyncLifetime
{
    public MotoWorld World { get; private set; } = null!;

    public async Task InitializeAsync() => World = await MotoWorld.StartAsync(enforceAuth: false);

    public async Task DisposeAsync() => await World.DisposeAsync();
}

/// <summary>
/// Submit-SkyJob for an AWS-only task with no <c>jobs.bucket</c>, through the real engine: the files go to the default
/// s3:// bucket (SkyPilot's store for the task's cloud), and an identity that cannot touch S3 uploads nothing.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class AwsStagingCmdletTests : IClassFixture<OpenMoto>, IDisposable
{
    private readonly EngineWorld _world;
    private readonly PowerShellSession _session = new();
    private readonly MotoWorld _openMoto;
    private readonly AwsWorld _open;
    private readonly AwsWorld _enforced;
    private readonly string _noBucketConfig;

    public AwsStagingCmdletTests(EngineWorld world, OpenMoto openMoto)
    {
        _world = world;
        _openMoto = openMoto.World;
        _open = NewAws(openMoto.World.Endpoint);
        _enforced = NewAws(world.Moto.Endpoint);
        _noBucketConfig = _open.Temp.WriteFile("sky-config.yaml", "{}\n");
        // The API server can use AWS: what is tested is our identity's view and the bucket.
        world.Jobs.Api.SetCachedCloud("AWS", "compute", "storage");
        world.Jobs.Api.SetCheckFinds("AWS", ["compute", "storage"]);
    }

    public void Dispose()
    {
        _world.Jobs.Api.SetCachedCloud("AWS");
        _world.Jobs.Api.SetCheckFinds("AWS", []);
        _session.Dispose();
        _open.Dispose();
        _enforced.Dispose();
    }

    private static AwsWorld NewAws(string endpoint)
    {
        var aws = new AwsWorld(endpoint);
        aws.Set("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(aws.AwsDirectory, "credentials"));
        aws.Set("AWS_CONFIG_FILE", Path.Combine(aws.AwsDirectory, "config"));
        return aws;
    }

    /// <summary>The jobs world (API server, GCP) with this AWS world's files and endpoint, and a config without jobs.bucket.</summary>
    private ProcessEnvironment Use(AwsWorld aws, string user, string? skyConfig = null) => _world.UseGcp(
        new[] { "AWS_ENDPOINT_URL", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE" }
            .Select(n => (n, (string?)aws.Variables[n]))
            .Append(("AWS_PROFILE", null))
            .Append(("SKYPILOT_CONFIG", skyConfig ?? _noBucketConfig))
            .Append(("USER", user))
            .Append(("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "30")).ToArray());

    [Fact]
    public void An_AWS_only_task_without_jobs_bucket_is_staged_to_the_default_s3_bucket()
    {
        var user = "u" + Guid.NewGuid().ToString("N")[..8];
        _open.ConfigureAsync("default", _openMoto.Alice).GetAwaiter().GetResult();
        var task = _world.Jobs.WriteTask(files: 2, infra: "aws");
        var launchesBefore = _world.Jobs.Api.Launches.Count;
        using var env = Use(_open, user);

        _session.Run("Set-Location $args[0]", _world.Jobs.TaskDirectory).ShouldSucceed();
        var job = _session.Run("Submit-SkyJob -Path $args[0] -Name s3-default", task).ShouldSucceed().Value();

        var prefix = (string)job.BucketPrefix;
        prefix.Should().StartWith("s3://skypilot-filemounts-" + user + "-");
        var bucket = prefix["s3://".Length..prefix.IndexOf('/', "s3://".Length)];
        var listing = _open.Cli.RunAsync("s3", "ls", "--recursive", "s3://" + bucket + "/").GetAwaiter().GetResult();
        listing.Should().Contain("/workdir/file0.py").And.Contain("/workdir/file1.py").And.Contain("/local-file-mounts/");
        var launch = _world.Jobs.Api.Launches.Skip(launchesBefore).Should().ContainSingle().Subject;
        launch.TaskYaml.Should().Contain(prefix.TrimEnd('/')).And.NotContain("gs://");
    }

    [Fact]
    public void An_identity_that_cannot_write_the_default_s3_bucket_uploads_nothing()
    {
        _enforced.ConfigureAsync("default", _world.Moto.Dave).GetAwaiter().GetResult();
        var task = _world.Jobs.WriteTask(infra: "aws");
        var launchesBefore = _world.Jobs.Api.Launches.Count;
        using var env = Use(_enforced, "u" + Guid.NewGuid().ToString("N")[..8]);

        _session.Run("Set-Location $args[0]", _world.Jobs.TaskDirectory).ShouldSucceed();
        var denied = _session.Run("Submit-SkyJob -Path $args[0]", task);

        var error = denied.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("PrecheckFailed", error.ToString());
        error.ToString().Should().Contain("object access to s3://skypilot-filemounts-").And.Contain("s3:ListBucket denied");
        error.ErrorDetails?.RecommendedAction.Should().Contain("jobs.bucket");
        _world.Jobs.Api.Launches.Count.Should().Be(launchesBefore);
    }

    [Fact]
    public async Task WhatIf_with_an_s3_jobs_bucket_plans_the_s3_prefix_and_makes_no_request()
    {
        await _open.ConfigureAsync("default", _openMoto.Alice);
        await using var proxy = await AwsFaultProxy.StartAsync(_openMoto.Endpoint);
        _open.Set("AWS_ENDPOINT_URL", proxy.Endpoint);
        var bucket = "whatif-" + Guid.NewGuid().ToString("N")[..8];
        var config = _open.Temp.WriteFile("sky-config-s3.yaml", "jobs:\n  bucket: s3://" + bucket + "/team\n");
        var task = _world.Jobs.WriteTask(files: 2, infra: "aws");
        var apiCalls = _world.Jobs.Api.Calls.Count;
        using var env = Use(_open, "u" + Guid.NewGuid().ToString("N")[..8], config);

        _session.Run("Set-Location $args[0]", _world.Jobs.TaskDirectory).ShouldSucceed();
        var whatIf = _session.Run("Submit-SkyJob -Path $args[0] -WhatIf -Verbose", task).ShouldSucceed();

        whatIf.Output.Should().BeEmpty();
        var plan = string.Join("\n", whatIf.Verbose);
        plan.Should().Contain("compute on aws")
            .And.Contain("storage on aws (stage local files in s3://" + bucket + ")")
            .And.Contain("object access to s3://" + bucket + " (created if it does not exist)")
            .And.MatchRegex(@"Upload: \d+ file\(s\), \d+ bytes to s3://" + bucket + "/team/job-sky-ps-")
            .And.Contain("workdir -> s3://" + bucket + "/team/job-sky-ps-")
            .And.NotContain("gs://");
        proxy.Requests.Should().BeEmpty("-WhatIf makes no call to AWS");
        _world.Jobs.Api.Calls.Count.Should().Be(apiCalls, "-WhatIf makes no call to the API server");
        _open.Set("AWS_ENDPOINT_URL", _openMoto.Endpoint);
        (await _open.Cli.RunAsync("s3", "ls")).Should().NotContain(bucket, "no bucket was created and nothing was written");
    }
}
