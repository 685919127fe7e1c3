using System.Management.Automation;
using System.Security.Cryptography;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// Submit-SkyJob through the real engine, each test in a jobs world of its own (its bucket, gcloud configurations and
/// API server are changed by the tests): the seed scenario, staging, -WhatIf, -Wait, and each failure's error record.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class SubmitSkyJobTests : IAsyncLifetime
{
    private readonly PowerShellSession _session = new();
    private JobWorld _world = null!;

    public async Task InitializeAsync() => _world = await JobWorld.StartAsync();

    public async Task DisposeAsync()
    {
        _session.Dispose();
        await _world.DisposeAsync();
    }

    /// <summary>Runs <c>Submit-SkyJob -LiteralPath task</c> from the task's folder with the world's environment.</summary>
    private Invocation Submit(string task, string parameters = "")
    {
        var folder = Path.GetDirectoryName(task)!;
        using (new ProcessEnvironment(_world.Gcp.Variables, folder))
        {
            return _session.Run("Set-Location -LiteralPath $args[1]; Submit-SkyJob -LiteralPath $args[0] " + parameters, task, folder);
        }
    }

    private static string Messages(Invocation result) => string.Join("; ", result.AllErrors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message));

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

        var asA = Submit(task);
        asA.AllErrors.Should().BeEmpty(Messages(asA));
        var job = asA.Output.Should().ContainSingle().Subject;
        job.Get("JobId").Should().Be(1L);
        job.Text("Name").Should().Be("train");
        job.Text("RequestId").Should().NotBeNullOrEmpty();
        job.Text("BucketPrefix").Should().StartWith("gs://jobs-bucket/team/job-sky-ps-");
        var objectsAfterA = ObjectCount;
        objectsAfterA.Should().Be(4);

        await _world.Gcp.Gcloud.RunAsync("config", "configurations", "activate", "team-b");
        _world.WriteTask(files: 4); // changed content: a new run id, so any upload would be new objects
        var asB = Submit(task);

        var error = asB.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().Be(EngineTestExtensions.ErrorId("PrecheckFailed", "Submit-SkyJob"));
        error.CategoryInfo.Category.Should().Be(ErrorCategory.PermissionDenied);
        error.Exception.Message.Should().Contain("compute.firewalls.create").And.Contain("compute.instances.create")
            .And.Contain("project_id=project-b").And.Contain("Nothing was uploaded and nothing was submitted");
        error.ErrorDetails.RecommendedAction.Should().Contain("roles/compute.admin");
        asB.Output.Should().BeEmpty();
        ObjectCount.Should().Be(objectsAfterA);
        _world.Api.Launches.Should().ContainSingle();
    }

    [Fact]
    public void The_submitted_task_names_no_local_path_and_the_staged_objects_match_the_files()
    {
        var task = _world.WriteTask();

        var result = Submit(task, "-Name custom-name").ShouldSucceed();

        var launch = _world.Api.Launches.Single();
        launch.Name.Should().Be("custom-name");
        launch.TaskYaml.Should().NotContain(_world.TaskDirectory).And.Contain("gs://jobs-bucket/team/job-sky-ps-");
        var objects = _world.Gcp.Server.Objects(JobWorld.Bucket).ToDictionary(o => o.Name);
        var prefix = result.Output.Single().Text("BucketPrefix")!["gs://jobs-bucket/".Length..];
        Convert.ToBase64String(MD5.HashData(File.ReadAllBytes(Path.Combine(_world.TaskDirectory, "src", "file1.py"))))
            .Should().Be(objects[prefix + "workdir/file1.py"].Md5Base64);
        objects.Should().ContainKey(prefix + "local-file-mounts/0/table.csv");
    }

    [Fact]
    public async Task WhatIf_prints_the_plan_on_one_line_and_touches_nothing()
    {
        var task = _world.WriteTask();

        var inProcess = Submit(task, "-WhatIf -Verbose").ShouldSucceed();
        var variables = _world.Gcp.Variables.ToDictionary(v => v.Key, v => (string?)v.Value);
        variables["SKY_MODULE"] = PowerShellSession.ModuleManifest;
        variables["SKY_TASK"] = task;
        var child = await Pwsh.RunAsync(["-Command", "Import-Module $env:SKY_MODULE; Set-Location (Split-Path $env:SKY_TASK); Submit-SkyJob -LiteralPath $env:SKY_TASK -WhatIf"], variables);

        inProcess.Output.Should().BeEmpty();
        var plan = string.Join("\n", inProcess.Verbose);
        plan.Should().Contain("compute on gcp").And.Contain("storage on gcp").And.Contain("4 file(s)").And.Contain(_world.Api.BaseUrl)
            .And.Contain("gs://jobs-bucket/team/job-sky-ps-");
        var whatIf = child.StandardOutput.Split('\n').Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).Should().ContainSingle(child.ToString()).Subject;
        whatIf.Should().Contain("task.yaml").And.Contain("4 file(s)").And.Contain(_world.Api.BaseUrl).And.Contain("gs://jobs-bucket/team/job-sky-ps-");
        _world.Gcp.Server.Requests.Should().BeEmpty();
        _world.Api.Calls.Should().BeEmpty();
    }

    [Fact]
    public void A_rerun_uploads_nothing_new()
    {
        var task = _world.WriteTask();
        Submit(task).ShouldSucceed();
        var uploads = _world.Gcp.Server.Requests.Count(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal));

        var again = Submit(task, "-Verbose").ShouldSucceed();

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

        var result = Submit(task);

        result.AllErrors.Should().BeEmpty(Messages(result));
        var stored = _world.Gcp.Server.Objects(JobWorld.Bucket).Single(o => o.Name.EndsWith("big.bin", StringComparison.Ordinal));
        stored.Md5Base64.Should().Be(Convert.ToBase64String(MD5.HashData(data)));
        var staging = result.Progress.Where(p => p.Activity == "Staging files").ToList();
        staging.Should().NotBeEmpty();
        staging.Last().PercentComplete.Should().Be(100);
    }

    [Fact]
    public void An_upload_that_keeps_failing_submits_nothing_and_names_the_file()
    {
        var task = _world.WriteTask(files: 1);
        _world.Gcp.Set("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "2");
        _world.Gcp.Server.InjectFault("/upload/", Fault.Status(500), times: 100);

        var result = Submit(task);

        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("StagingFailed,");
        error.Exception.Message.Should().Contain("Uploading").And.Contain("no job was submitted").And.Contain("gs://jobs-bucket/team/job-");
        _world.Api.Launches.Should().BeEmpty();
    }

    [Fact]
    public void A_refused_api_server_is_reported_before_anything_is_uploaded()
    {
        var task = _world.WriteTask();
        _world.Gcp.Set("SKYPILOT_API_SERVER_ENDPOINT", "http://127.0.0.1:1");

        var result = Submit(task);

        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("ApiServerUnreachable,");
        error.CategoryInfo.Category.Should().Be(ErrorCategory.ConnectionError);
        ObjectCount.Should().Be(0);
    }

    [Fact]
    public void Needs_auth_and_version_mismatch_are_clear_errors()
    {
        var task = _world.WriteTask();
        _world.Api.AuthMode = FakeSkyAuthMode.NeedsAuth;
        Submit(task).AllErrors.Should().ContainSingle().Which.FullyQualifiedErrorId.Should().StartWith("ApiServerNeedsAuth,");

        _world.Api.AuthMode = FakeSkyAuthMode.None;
        _world.Api.MinimumClientApiVersion = 10_000;
        Submit(task).AllErrors.Should().ContainSingle().Which.FullyQualifiedErrorId.Should().StartWith("ApiVersionMismatch,");
        _world.Api.Launches.Should().BeEmpty();
    }

    [Fact]
    public void A_failed_launch_request_surfaces_the_servers_error()
    {
        var task = _world.WriteTask();
        _world.Api.FailNextLaunch("InvalidSkyPilotConfigError", "jobs.controller resources are invalid");

        var error = Submit(task).AllErrors.Should().ContainSingle().Subject;

        error.FullyQualifiedErrorId.Should().StartWith("RequestFailed,");
        error.Exception.Message.Should().Be("InvalidSkyPilotConfigError: jobs.controller resources are invalid");
    }

    [Fact]
    public void Wait_follows_the_job_and_a_failed_status_is_an_error_record_with_the_reason()
    {
        var task = _world.WriteTask();
        _world.Api.ScriptNextJob("PENDING", "STARTING", FakeSkyJobStep.Fail("FAILED_PRECHECKS", "Storage 'store: gcs' specified, but GCP access is disabled"));

        var result = Submit(task, "-Wait");

        result.Output.Should().ContainSingle().Which.Text("Status").Should().Be("FAILED_PRECHECKS");
        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("JobFailed,");
        error.Exception.Message.Should().Contain("FAILED_PRECHECKS").And.Contain("GCP access is disabled");
        result.Progress.Should().Contain(p => p.StatusDescription.StartsWith("STARTING", StringComparison.Ordinal));
    }

    [Fact]
    public void Wait_ends_quietly_on_success()
    {
        var task = _world.WriteTask();
        _world.Api.ScriptNextJob("PENDING", "RUNNING", "SUCCEEDED");

        var result = Submit(task, "-Wait").ShouldSucceed();

        result.Output.Should().ContainSingle().Which.Text("Status").Should().Be("SUCCEEDED");
    }

    [Theory]
    [InlineData("name: x\nrun: [unclosed\n", "not valid YAML")]
    [InlineData("workdir: ./nowhere\nrun: echo\n", "does not exist")]
    [InlineData("resources:\n  infra: azzure\nrun: echo\n", "unknown cloud 'azzure'")]
    public void Bad_task_files_are_parse_errors_naming_file_and_line(string yaml, string problem)
    {
        var task = _world.Gcp.Temp.WriteFile("bad.yaml", yaml);

        var error = Submit(task).AllErrors.Should().ContainSingle().Subject;

        error.FullyQualifiedErrorId.Should().StartWith("InvalidTaskFile,");
        error.CategoryInfo.Category.Should().Be(ErrorCategory.ParserError);
        error.Exception.Message.Should().StartWith(task + ":").And.Contain(problem);
        _world.Api.Calls.Should().BeEmpty();
    }

    [Fact]
    public void Missing_object_access_on_the_existing_bucket_fails_the_precheck()
    {
        var task = _world.WriteTask();
        _world.Gcp.Server.CreateBucket("locked-bucket", "someone-elses-project");
        _world.Gcp.Temp.WriteFile(Path.Combine("home", ".sky", "config.yaml"), "jobs:\n  bucket: gs://locked-bucket\n");

        var error = Submit(task).AllErrors.Should().ContainSingle().Subject;

        error.FullyQualifiedErrorId.Should().StartWith("PrecheckFailed,");
        error.Exception.Message.Should().Contain("gs://locked-bucket").And.Contain("storage.objects.create");
        error.ErrorDetails.RecommendedAction.Should().Contain("roles/storage.objectAdmin");
        _world.Gcp.Server.Objects("locked-bucket").Should().BeEmpty();
    }

    [Fact]
    public void A_missing_job_bucket_is_created_then_used()
    {
        var task = _world.WriteTask();
        _world.Gcp.Temp.WriteFile(Path.Combine("home", ".sky", "config.yaml"), "jobs:\n  bucket: gs://fresh-bucket\n");

        var result = Submit(task);

        result.AllErrors.Should().BeEmpty(Messages(result));
        _world.Gcp.Server.Objects("fresh-bucket").Should().HaveCount(4);
    }

    [Fact]
    public void Ctrl_C_during_staging_returns_within_a_second_and_launches_nothing()
    {
        var data = RandomNumberGenerator.GetBytes(40 * 1024 * 1024);
        File.WriteAllBytes(_world.Gcp.Temp.Combine("big.bin"), data);
        var task = _world.Gcp.Temp.WriteFile("big.yaml", "file_mounts:\n  /big.bin: ./big.bin\nresources:\n  infra: gcp\nrun: ls\n");
        _world.Gcp.Server.InjectFault("/upload/", Fault.Slow(TimeSpan.FromSeconds(30)), times: 10);

        (Invocation Result, TimeSpan StopTook) stopped;
        using (new ProcessEnvironment(_world.Gcp.Variables, _world.Gcp.Temp.Path))
        {
            stopped = _session.RunAndStop(
                "Set-Location -LiteralPath '" + _world.Gcp.Temp.Path.Replace("'", "''") + "'; Submit-SkyJob -LiteralPath '" + task.Replace("'", "''") + "'",
                () => _world.Gcp.Server.Requests.Any(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30));
        }

        _world.Gcp.Server.Requests.Should().Contain(r => r.Path.StartsWith("/upload/", StringComparison.Ordinal), stopped.Result.AllText());
        stopped.StopTook.Should().BeLessThan(TimeSpan.FromSeconds(1));
        stopped.Result.Output.Should().BeEmpty();
        stopped.Result.Errors.Should().BeEmpty("Ctrl+C stops the pipeline; it is not an error of the cmdlet");
        _world.Api.Launches.Should().BeEmpty();
        Directory.GetFiles(_world.Gcp.Temp.Path, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty();
    }
}
