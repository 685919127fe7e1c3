using SkyPilot.Core.Api;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.Tests.Support;

namespace SkyPilot.Tests.Jobs;

/// <summary>The submitter's "nothing lost" promises, driven through Core.</summary>
public sealed class JobSubmitterTests : IAsyncLifetime
{
    private readonly RecordingLog _log = new();
    private JobWorld _world = null!;

    public async Task InitializeAsync() => _world = await JobWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private JobSubmitter Submitter() => new(CloudCheckService.CreateDefault(_world.Gcp.Environment(), _log, SharedHttpClient.Instance), SharedHttpClient.Instance, _log);

    private async Task<SkyPilot.Core.Api.ManagedJob> SubmitAsync(string taskPath, Action<StagingProgress>? progress = null)
    {
        var env = _world.Gcp.Environment();
        var submitter = Submitter();
        var plan = submitter.Plan(TaskParser.ParseFile(taskPath, _world.TaskDirectory), null, env, default);
        await submitter.PrecheckAsync(plan, env, default);
        return await submitter.SubmitAsync(plan, null, env, progress ?? (_ => { }), default);
    }

    [Fact]
    public async Task A_launch_answered_503_after_staging_is_outcome_unknown_and_the_same_submission_then_launches_once_reusing_the_files()
    {
        var task = _world.WriteTask(files: 20);

        // The server answers 503 once the files are staged: the launch may or may not have been taken.
        var error = await Assert.ThrowsAsync<SkyApiException>(() => SubmitAsync(task, _ => _world.Api.Unavailable = true));

        error.Failure.Should().Be(SkyApiFailure.LaunchOutcomeUnknown);
        error.Message.Should().Contain("The job may exist").And.NotContain("no job was submitted");
        error.Hint.Should().Contain("Running the same Submit-SkyJob again first looks this launch up");
        _world.Api.Launches.Should().BeEmpty();
        var uploads = _world.Gcp.Server.Requests.Count(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal));

        _world.Api.Unavailable = false;
        var job = await SubmitAsync(task);

        job.JobId.Should().Be(1);
        _world.Api.Launches.Should().ContainSingle();
        _world.Gcp.Server.Requests.Count(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal)).Should().Be(uploads, "the staged objects are reused");
    }

    [Fact]
    public async Task A_thousand_file_workdir_with_skyignore_uploads_exactly_the_expected_set()
    {
        var expected = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            var path = (i % 10 == 0 ? "logs/" : "src/m" + (i % 7) + "/") + "f" + i + (i % 3 == 0 ? ".tmp" : ".py");
            _world.Gcp.Temp.WriteFile(Path.Combine("project", "work", path), "x" + i);
            if (!path.StartsWith("logs/") && !path.EndsWith(".tmp"))
            {
                expected.Add("workdir/" + path);
            }
        }

        _world.Gcp.Temp.WriteFile(Path.Combine("project", "work", ".skyignore"), "logs/\n*.tmp\n");
        expected.Add("workdir/.skyignore");
        var task = _world.Gcp.Temp.WriteFile(Path.Combine("project", "big-workdir.yaml"), "workdir: ./work\nresources:\n  infra: gcp\nrun: ls\n");

        var job = await SubmitAsync(task);

        var prefix = job.BucketPrefix!["gs://jobs-bucket/".Length..];
        _world.Gcp.Server.Objects(JobWorld.Bucket).Select(o => o.Name[prefix.Length..]).Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task Staging_uploads_as_the_identity_that_was_prechecked_even_when_the_key_file_changes_in_between()
    {
        var task = _world.WriteTask(files: 2);
        var env = _world.Gcp.Environment();
        var submitter = Submitter();
        var plan = submitter.Plan(TaskParser.ParseFile(task, _world.TaskDirectory), null, env, default);
        await submitter.PrecheckAsync(plan, env, default);

        // Between precheck and staging the key file now holds another account's key, one without access to the bucket.
        _world.Gcp.ServiceAccount("intruder", "project-a");
        File.Copy(_world.Gcp.KeyPath("intruder"), _world.Gcp.KeyPath("deployer"), overwrite: true);

        var job = await submitter.SubmitAsync(plan, null, env, _ => { }, default);

        var prefix = job.BucketPrefix!["gs://jobs-bucket/".Length..];
        _world.Gcp.Server.Objects(JobWorld.Bucket).Should().Contain(o => o.Name.StartsWith(prefix, StringComparison.Ordinal), "the prechecked identity staged the files");
        _world.Api.Launches.Should().ContainSingle();
    }
}
