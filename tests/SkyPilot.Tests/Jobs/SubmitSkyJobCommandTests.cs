using System.Diagnostics;
using System.Management.Automation;
using System.Security.Cryptography;
using SkyPilot.Core.Api;
using SkyPilot.Core.Jobs;
using SkyPilot.PowerShell.Commands;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class SubmitSkyJobCommandTests : IAsyncLifetime
{
    private JobWorld _world = null!;

    public async Task InitializeAsync() => _world = await JobWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private RecordingSink Run(SkyPilot.PowerShell.Infrastructure.SkyCmdlet command, bool approve = true)
    {
        var sink = new RecordingSink { Approve = approve };
        using (new ProcessEnvironment(_world.Gcp.Variables, Path.GetDirectoryName(((SubmitSkyJobCommand)command).Path[0])))
        {
            command.Invoke(sink);
        }

        return sink;
    }

    private int ObjectCount => _world.Gcp.Server.Objects(JobWorld.Bucket).Count;

    private async Task CreateConfigurationsAsync()
    {
        _world.Gcp.Set("GOOGLE_CLOUD_PROJECT", null);
        var gcloud = _world.Gcp.Gcloud;
        await gcloud.RunAsync("config", "configurations", "create", "team-a");
        await gcloud.RunAsync("config", "set", "account", _world.Email);
        await gcloud.RunAsync("config", "set", "project", "project-a");
        await gcloud.RunAsync("config", "configurations", "create", "team-b");
        await gcloud.RunAsync("config", "set", "account", _world.Email);
        await gcloud.RunAsync("config", "set", "project", "project-b");
        await gcloud.RunAsync("config", "configurations", "activate", "team-a");
    }

    [Fact]
    public async Task Seed_scenario_after_a_gcloud_switch_nothing_is_uploaded_and_nothing_launched()
    {
        await CreateConfigurationsAsync();
        var task = _world.WriteTask();

        var asA = Run(new SubmitSkyJobCommand { Path = [task] });
        asA.Errors.Should().BeEmpty(string.Join("; ", asA.Errors.Select(e => e.Exception.Message)));
        var job = asA.Output.Should().ContainSingle().Which.Should().BeOfType<ManagedJob>().Subject;
        job.JobId.Should().Be(1);
        job.Name.Should().Be("train");
        job.RequestId.Should().NotBeNullOrEmpty();
        job.BucketPrefix.Should().StartWith("gs://jobs-bucket/team/job-sky-ps-");
        var objectsAfterA = ObjectCount;
        objectsAfterA.Should().Be(4);

        await _world.Gcp.Gcloud.RunAsync("config", "configurations", "activate", "team-b");
        _world.WriteTask(files: 4); // changed content: a new run id, so any upload would be new objects
        var asB = Run(new SubmitSkyJobCommand { Path = [task] });

        var error = asB.Errors.Should().ContainSingle().Subject;
        error.ErrorId.Should().Be("PrecheckFailed");
        error.Category.Should().Be(ErrorCategory.PermissionDenied);
        error.Exception.Message.Should().Contain("compute.firewalls.create").And.Contain("compute.instances.create")
            .And.Contain("project_id=project-b").And.Contain("Nothing was uploaded and nothing was submitted");
        error.RecommendedAction.Should().Contain("roles/compute.admin");
        asB.Output.Should().BeEmpty();
        ObjectCount.Should().Be(objectsAfterA);
        _world.Api.Launches.Should().ContainSingle();
    }

    [Fact]
    public void The_submitted_task_names_no_local_path_and_the_staged_objects_match_the_files()
    {
        var task = _world.WriteTask();

        var sink = Run(new SubmitSkyJobCommand { Path = [task], Name = "custom-name" });

        sink.Errors.Should().BeEmpty();
        var launch = _world.Api.Launches.Single();
        launch.Name.Should().Be("custom-name");
        launch.TaskYaml.Should().NotContain(_world.TaskDirectory).And.Contain("gs://jobs-bucket/team/job-sky-ps-");
        var objects = _world.Gcp.Server.Objects(JobWorld.Bucket).ToDictionary(o => o.Name);
        var prefix = ((ManagedJob)sink.Output.Single()).BucketPrefix!["gs://jobs-bucket/".Length..];
        Convert.ToBase64String(MD5.HashData(File.ReadAllBytes(Path.Combine(_world.TaskDirectory, "src", "file1.py"))))
            .Should().Be(objects[prefix + "workdir/file1.py"].Md5Base64);
        objects.Should().ContainKey(prefix + "local-file-mounts/0/table.csv");
    }

    [Fact]
    public void WhatIf_prints_the_plan_and_touches_nothing()
    {
        var task = _world.WriteTask();

        var sink = Run(new SubmitSkyJobCommand { Path = [task] }, approve: false);

        var target = sink.ShouldProcessCalls.Should().ContainSingle().Subject.Target;
        target.Should().NotContain("\n").And.Contain("task.yaml").And.Contain("4 file(s)").And.Contain(_world.Api.BaseUrl).And.Contain("gs://jobs-bucket/team/job-sky-ps-");
        var plan = string.Join("\n", sink.Verbose);
        plan.Should().Contain("compute on gcp").And.Contain("storage on gcp").And.Contain("4 file(s)").And.Contain(_world.Api.BaseUrl)
            .And.Contain("gs://jobs-bucket/team/job-sky-ps-");
        _world.Gcp.Server.Requests.Should().BeEmpty();
        _world.Api.Calls.Should().BeEmpty();
    }

    [Fact]
    public void A_rerun_uploads_nothing_new()
    {
        var task = _world.WriteTask();
        Run(new SubmitSkyJobCommand { Path = [task] }).Errors.Should().BeEmpty();
        var uploads = _world.Gcp.Server.Requests.Count(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal));

        var again = Run(new SubmitSkyJobCommand { Path = [task] });

        again.Errors.Should().BeEmpty();
        _world.Gcp.Server.Requests.Count(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal)).Should().Be(uploads);
        _world.Api.Launches.Should().HaveCount(2);
        again.Verbose.Should().Contain(v => v.Contains("already staged"));
    }

    [Fact]
    public void An_interrupted_large_upload_resumes_and_the_object_matches()
    {
        var data = RandomNumberGenerator.GetBytes(20 * 1024 * 1024 + 12345);
        File.WriteAllBytes(_world.Gcp.Temp.Combine("big.bin"), data);
        var task = _world.Gcp.Temp.WriteFile("big.yaml", "file_mounts:\n  /big.bin: ./big.bin\nresources:\n  infra: gcp\nrun: ls /big.bin\n");
        _world.Gcp.Server.DropUploadConnectionAfter(3 * 1024 * 1024);

        var sink = Run(new SubmitSkyJobCommand { Path = [task] });

        sink.Errors.Should().BeEmpty(string.Join("; ", sink.Errors.Select(e => e.Exception.Message)));
        var stored = _world.Gcp.Server.Objects(JobWorld.Bucket).Single(o => o.Name.EndsWith("big.bin", StringComparison.Ordinal));
        stored.Md5Base64.Should().Be(Convert.ToBase64String(MD5.HashData(data)));
        sink.Progress.Should().NotBeEmpty();
        sink.Progress.Last().PercentComplete.Should().Be(100);
    }

    [Fact]
    public void An_upload_that_keeps_failing_submits_nothing_and_names_the_file()
    {
        var task = _world.WriteTask(files: 1);
        _world.Gcp.Set("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "2");
        _world.Gcp.Server.InjectFault("/upload/", Fault.Status(500), times: 100);

        var sink = Run(new SubmitSkyJobCommand { Path = [task] });

        var error = sink.Errors.Should().ContainSingle().Subject;
        error.ErrorId.Should().Be("StagingFailed");
        error.Exception.Message.Should().Contain("Uploading").And.Contain("no job was submitted").And.Contain("gs://jobs-bucket/team/job-");
        _world.Api.Launches.Should().BeEmpty();
    }

    [Fact]
    public void A_refused_api_server_is_reported_before_anything_is_uploaded()
    {
        var task = _world.WriteTask();
        _world.Gcp.Set("SKYPILOT_API_SERVER_ENDPOINT", "http://127.0.0.1:1");

        var sink = Run(new SubmitSkyJobCommand { Path = [task] });

        var error = sink.Errors.Should().ContainSingle().Subject;
        error.ErrorId.Should().Be("ApiServerUnreachable");
        error.Category.Should().Be(ErrorCategory.ConnectionError);
        ObjectCount.Should().Be(0);
    }

    [Fact]
    public void Needs_auth_and_version_mismatch_are_clear_errors()
    {
        var task = _world.WriteTask();
        _world.Api.AuthMode = FakeSkyAuthMode.NeedsAuth;
        Run(new SubmitSkyJobCommand { Path = [task] }).Errors.Single().ErrorId.Should().Be("ApiServerNeedsAuth");

        _world.Api.AuthMode = FakeSkyAuthMode.None;
        _world.Api.MinimumClientApiVersion = SkyApiProtocol.ApiVersion + 1;
        Run(new SubmitSkyJobCommand { Path = [task] }).Errors.Single().ErrorId.Should().Be("ApiVersionMismatch");
        _world.Api.Launches.Should().BeEmpty();
    }

    [Fact]
    public void A_failed_launch_request_surfaces_the_servers_error()
    {
        var task = _world.WriteTask();
        _world.Api.FailNextLaunch("InvalidSkyPilotConfigError", "jobs.controller resources are invalid");

        var error = Run(new SubmitSkyJobCommand { Path = [task] }).Errors.Single();

        error.ErrorId.Should().Be("RequestFailed");
        error.Exception.Message.Should().Be("InvalidSkyPilotConfigError: jobs.controller resources are invalid");
    }

    [Fact]
    public void Wait_follows_the_job_and_a_failed_status_is_an_error_record_with_the_reason()
    {
        var task = _world.WriteTask();
        _world.Api.ScriptNextJob("PENDING", "STARTING", FakeSkyJobStep.Fail("FAILED_PRECHECKS", "Storage 'store: gcs' specified, but GCP access is disabled"));

        var sink = Run(new SubmitSkyJobCommand { Path = [task], WaitRequested = true });

        var job = (ManagedJob)sink.Output.Single();
        job.Status.Should().Be("FAILED_PRECHECKS");
        var error = sink.Errors.Should().ContainSingle().Subject;
        error.ErrorId.Should().Be("JobFailed");
        error.Exception.Message.Should().Contain("FAILED_PRECHECKS").And.Contain("GCP access is disabled");
        sink.Progress.Should().Contain(p => p.Status == "STARTING");
    }

    [Fact]
    public void Wait_ends_quietly_on_success()
    {
        var task = _world.WriteTask();
        _world.Api.ScriptNextJob("PENDING", "RUNNING", "SUCCEEDED");

        var sink = Run(new SubmitSkyJobCommand { Path = [task], WaitRequested = true });

        sink.Errors.Should().BeEmpty();
        ((ManagedJob)sink.Output.Single()).Status.Should().Be("SUCCEEDED");
    }

    [Theory]
    [InlineData("name: x\nrun: [unclosed\n", "InvalidTaskFile", "not valid YAML")]
    [InlineData("workdir: ./nowhere\nrun: echo\n", "InvalidTaskFile", "does not exist")]
    [InlineData("resources:\n  infra: azzure\nrun: echo\n", "InvalidTaskFile", "unknown cloud 'azzure'")]
    public void Bad_task_files_are_parse_errors_naming_file_and_line(string yaml, string id, string problem)
    {
        var task = _world.Gcp.Temp.WriteFile("bad.yaml", yaml);

        var error = Run(new SubmitSkyJobCommand { Path = [task] }).Errors.Single();

        error.ErrorId.Should().Be(id);
        error.Category.Should().Be(ErrorCategory.ParserError);
        error.Exception.Message.Should().StartWith(task + ":").And.Contain(problem);
        _world.Api.Calls.Should().BeEmpty();
    }

    [Fact]
    public void Missing_object_access_on_the_existing_bucket_fails_the_precheck()
    {
        var task = _world.WriteTask();
        _world.Gcp.Server.CreateBucket("locked-bucket", "someone-elses-project");
        _world.Gcp.Temp.WriteFile(Path.Combine("home", ".sky", "config.yaml"), "jobs:\n  bucket: gs://locked-bucket\n");

        var error = Run(new SubmitSkyJobCommand { Path = [task] }).Errors.Single();

        error.ErrorId.Should().Be("PrecheckFailed");
        error.Exception.Message.Should().Contain("gs://locked-bucket").And.Contain("storage.objects.create");
        error.RecommendedAction.Should().Contain("roles/storage.objectAdmin");
        _world.Gcp.Server.Objects("locked-bucket").Should().BeEmpty();
    }

    [Fact]
    public void A_missing_job_bucket_is_created_then_used()
    {
        var task = _world.WriteTask();
        _world.Gcp.Temp.WriteFile(Path.Combine("home", ".sky", "config.yaml"), "jobs:\n  bucket: gs://fresh-bucket\n");

        var sink = Run(new SubmitSkyJobCommand { Path = [task] });

        sink.Errors.Should().BeEmpty(string.Join("; ", sink.Errors.Select(e => e.Exception.Message)));
        _world.Gcp.Server.Objects("fresh-bucket").Should().HaveCount(4);
    }

    [Fact]
    public void Cancel_during_staging_returns_within_a_second()
    {
        var data = RandomNumberGenerator.GetBytes(40 * 1024 * 1024);
        File.WriteAllBytes(_world.Gcp.Temp.Combine("big.bin"), data);
        var task = _world.Gcp.Temp.WriteFile("big.yaml", "file_mounts:\n  /big.bin: ./big.bin\nresources:\n  infra: gcp\nrun: ls\n");
        _world.Gcp.Server.InjectFault("/upload/", Fault.Slow(TimeSpan.FromSeconds(30)), times: 10);
        var command = new SubmitSkyJobCommand { Path = [task] };
        var sink = new RecordingSink();
        Exception? thrown = null;
        var stopwatch = new Stopwatch();
        using (new ProcessEnvironment(_world.Gcp.Variables, _world.Gcp.Temp.Path))
        {
            var worker = new Thread(() =>
            {
                try
                {
                    command.Invoke(sink);
                }
                catch (Exception e)
                {
                    thrown = e;
                }
            });
            worker.Start();
            SpinWait.SpinUntil(() => _world.Gcp.Server.Requests.Any(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal)), TimeSpan.FromSeconds(20));
            stopwatch.Start();
            command.Cancel();
            worker.Join(TimeSpan.FromSeconds(5)).Should().BeTrue();
        }

        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        thrown.Should().BeAssignableTo<OperationCanceledException>();
        _world.Api.Launches.Should().BeEmpty();
        Directory.GetFiles(_world.Gcp.Temp.Path, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty();
    }
}
