using System.Text;
using SkyPilot.PowerShell.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>Issue 12 through the real engine: logs, waiting, cancel outcomes and the server's description.</summary>
[Collection(EngineCollection.Name)]
public sealed class JobCmdletTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    private FakeSkyPilotApiServer Api => world.Jobs.Api;

    /// <summary>Launches a job straight on the fake (as another client would) and returns its id.</summary>
    private async Task<int> LaunchAsync(string name, string yaml, params FakeSkyJobStep[] script)
    {
        Api.ScriptNextJob(script);
        using var http = new HttpClient();
        var body = System.Text.Json.JsonSerializer.Serialize(new { task = yaml, name });
        var accepted = await http.PostAsync(Api.BaseUrl + "/jobs/launch", new StringContent(body, Encoding.UTF8, "application/json"));
        var id = accepted.Headers.GetValues(FakeSkyPilotApiServer.RequestIdHeader).Single();
        await http.GetAsync(Api.BaseUrl + "/api/get?request_id=" + id);
        return Api.Launches.Single(l => l.RequestId == id).JobId!.Value;
    }

    [Fact]
    public async Task Get_SkyJobLog_Follow_streams_a_running_jobs_lines_and_stops_on_ctrl_c_within_a_second()
    {
        using var env = world.UseGcp();
        var id = await LaunchAsync("follow", "run: train\n", FakeSkyJobStatus.Running);
        Api.AppendJobLog(id, "\u001b[32mepoch 1\u001b[0m", "epoch 2");
        var logRequests = Api.CountRequests("/jobs/logs");

        var (result, took) = _session.RunAndStop("Get-SkyJobLog -JobId " + id + " -Follow", () => { if (Api.CountRequests("/jobs/logs") <= logRequests) { return false; } Thread.Sleep(400); return true; }, TimeSpan.FromSeconds(10));

        took.Should().BeLessThan(TimeSpan.FromSeconds(1));
        result.Output.Select(o => o.ToString()).Should().Contain(["epoch 1", "epoch 2"], "lines come as they arrive, ANSI removed for a host that does not render it");
        result.Output.Should().NotContain(o => o.ToString()!.Contains("sky-payload"));
    }

    [Fact]
    public async Task Get_SkyJobLog_of_a_failed_job_writes_the_lines_then_a_JobFailed_error()
    {
        using var env = world.UseGcp();
        var id = await LaunchAsync("fails", "run: exit 1\n", FakeSkyJobStep.Fail(FakeSkyJobStatus.Failed, "exit code 1"));
        Api.AppendJobLog(id, "starting", "boom");

        var result = _session.Run("Get-SkyJob -JobId $args[0] | Get-SkyJobLog", id);

        result.Output.Select(o => o.ToString()).Should().Equal("starting", "boom");
        result.Errors.Should().ContainSingle().Which.FullyQualifiedErrorId.Should().StartWith("JobFailed,");
        _session.Run("Get-SkyJobLog -JobId 987654").Errors.Single().CategoryInfo.Category.Should().Be(System.Management.Automation.ErrorCategory.ObjectNotFound);
    }

    [Fact]
    public async Task Wait_SkyJob_returns_the_final_state_of_the_whole_pipeline()
    {
        using var env = world.UseGcp(("SKYPILOT_PS_JOB_POLL_SECONDS", "0.05"));
        var id = await LaunchAsync("pipe", "name: pipe\n---\nname: a\nrun: echo a\n---\nname: b\nrun: echo b\n",
            FakeSkyJobStatus.Pending, FakeSkyJobStatus.Running, FakeSkyJobStatus.Running, FakeSkyJobStatus.Succeeded);

        var result = _session.Run("Wait-SkyJob -JobId $args[0]", id).ShouldSucceed();

        var job = result.Output.Should().ContainSingle().Subject;
        ((string)job.Properties["Status"].Value).Should().Be("SUCCEEDED");
        ((int)job.Properties["TaskCount"].Value).Should().Be(2);
        ((int)job.Properties["TaskId"].Value).Should().Be(1, "the last task, not the first one that succeeded early");
    }

    [Fact]
    public async Task Get_SkyJob_shows_each_task_of_a_pipeline_with_its_task_id_not_as_duplicate_rows()
    {
        using var env = world.UseGcp();
        var id = await LaunchAsync("view-pipe", "name: view-pipe\n---\nname: a\nrun: echo a\n---\nname: b\nrun: echo b\n", FakeSkyJobStatus.Running);

        var text = _session.Run("Get-SkyJob -JobId $args[0] | Out-String -Width 80", id).ShouldSucceed().Output.Single().ToString()!;

        var header = text.Split('\n').First(l => l.Contains("JobId"));
        header.Should().MatchRegex(@"JobId\s+Task\s+Name\s+Status");
        var rows = text.Split('\n').Where(l => l.TrimStart().StartsWith(id + " ", StringComparison.Ordinal)).Select(l => l.TrimEnd()).ToList();
        rows.Should().HaveCount(2).And.OnlyHaveUniqueItems();
        rows[0].Should().MatchRegex("^\\s*" + id + "\\s+0\\s+\\S");
        rows[1].Should().MatchRegex("^\\s*" + id + "\\s+1\\s+\\S");
        var single = await LaunchAsync("view-single", "run: x\n", FakeSkyJobStatus.Running);
        var singleRow = _session.Run("Get-SkyJob -JobId $args[0] | Out-String -Width 80", single).ShouldSucceed().Output.Single().ToString()!
            .Split('\n').Single(l => l.TrimStart().StartsWith(single + " ", StringComparison.Ordinal));
        singleRow.Should().MatchRegex("^\\s*" + single + "\\s+view-single", "a single task shows no task id");
    }

    [Fact]
    public async Task Wait_SkyJob_writes_the_failed_job_and_a_JobFailed_error_and_a_timeout_says_it_is_still_running()
    {
        using var env = world.UseGcp(("SKYPILOT_PS_JOB_POLL_SECONDS", "0.05"));
        var failed = await LaunchAsync("wf", "run: x\n", FakeSkyJobStatus.Running, FakeSkyJobStep.Fail(FakeSkyJobStatus.FailedSetup, "setup \u001b[31mfailed\u001b[0m"));
        var running = await LaunchAsync("wr", "run: x\n", FakeSkyJobStatus.Running);

        var result = _session.Run("Wait-SkyJob -JobId $args[0]", failed);
        result.Output.Should().ContainSingle();
        var error = result.Errors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("JobFailed,");
        error.Exception.Message.Should().Contain("FAILED_SETUP: setup failed");

        var timedOut = _session.Run("Wait-SkyJob -JobId $args[0] -Timeout 1", running);
        timedOut.Errors.Single().FullyQualifiedErrorId.Should().StartWith("JobWaitTimeout,");
        timedOut.Errors.Single().Exception.Message.Should().Contain("still RUNNING");
    }

    [Fact]
    public async Task Stop_SkyJob_reports_a_missing_job_as_ObjectNotFound_and_an_ended_one_as_a_warning()
    {
        using var env = world.UseGcp();
        var ended = await LaunchAsync("done", "run: x\n", FakeSkyJobStatus.Succeeded);
        await LaunchAsync("ensure-queue", "run: x\n", FakeSkyJobStatus.Succeeded);
        _session.Run("Get-SkyJob").ShouldSucceed();

        var result = _session.Run("Stop-SkyJob -JobId $args[0], 876543 -Confirm:$false", ended);

        result.Errors.Should().ContainSingle().Which.CategoryInfo.Category.Should().Be(System.Management.Automation.ErrorCategory.ObjectNotFound);
        result.Warnings.Should().ContainSingle(w => w.Contains("already ended (SUCCEEDED)"));
    }

    [Fact]
    public void Get_SkyApiServer_describes_the_server_without_credentials()
    {
        var token = "sky_" + Guid.NewGuid().ToString("N");
        using var env = world.UseGcp(("SKYPILOT_SERVICE_ACCOUNT_TOKEN", token));

        var result = _session.Run("Get-SkyApiServer").ShouldSucceed();

        var info = result.Output.Single();
        ((int?)info.Properties["ApiVersion"].Value).Should().Be(52);
        ((bool)info.Properties["Supported"].Value).Should().BeTrue();
        ((bool)info.Properties["IsRemote"].Value).Should().BeFalse("the jobs world marks its fake local");
        ((string)info.Properties["Auth"].Value).Should().Be("service-account token");
        info.Properties["User"].Value.Should().BeNull();
        result.AllText().Should().NotContain(token);
    }

    [Fact]
    public void An_SSO_servers_cookies_from_sky_api_login_are_sent_and_a_401_says_to_run_sky_api_login()
    {
        var session = "_oauth2_proxy=" + Guid.NewGuid().ToString("N");
        var home = world.FreshHome();
        var cookies = world.Gcp.Temp.WriteFile(Path.Combine(Path.GetFileName(home), ".sky", "cookies.txt"),
            "# Netscape HTTP Cookie File\n#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\t" + session.Replace("=", "\t") + "\n127.0.0.1\tFALSE\t/\tFALSE\t1\told\texpired\n");
        var (mode, accepted) = (Api.AuthMode, Api.SsoCookie);
        Api.AuthMode = FakeSkyAuthMode.NeedsAuth;
        Api.SsoCookie = session;
        try
        {
            using var env = world.UseGcp(("HOME", home));
            var calls = Api.Calls.Count;

            var info = _session.Run("Get-SkyApiServer").ShouldSucceed();
            var queue = _session.Run("Get-SkyJob").ShouldSucceed();

            info.Output.Single().Text("Auth").Should().Be("SSO cookies (~/.sky/cookies.txt)");
            Api.Calls.Skip(calls).Should().NotBeEmpty().And.OnlyContain(c => c.Header("Cookie") == session, "the live cookie is sent, the expired one is not");
            (info.Rendered() + queue.Rendered()).Should().NotContain(session.Split('=')[1]);

            File.WriteAllText(cookies, "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\t_oauth2_proxy\tlogged-out\n");
            var refused = _session.Run("Get-SkyJob");

            var error = refused.AllErrors.Should().ContainSingle().Subject;
            error.FullyQualifiedErrorId.Should().StartWith("ApiServerNeedsAuth,");
            error.CategoryInfo.Category.Should().Be(System.Management.Automation.ErrorCategory.AuthenticationError);
            error.ErrorDetails.RecommendedAction.Should().Contain("sky api login");
            refused.Rendered().Should().NotContain("logged-out");
        }
        finally
        {
            (Api.AuthMode, Api.SsoCookie) = (mode, accepted);
        }
    }

    [Fact]
    public async Task Unusable_http_and_poll_settings_are_warnings_naming_the_variable_and_the_default_is_used()
    {
        var done = await LaunchAsync("settings-done", "run: x\n", FakeSkyJobStatus.Succeeded);
        using var env = world.UseGcp(("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "soon"), ("SKYPILOT_PS_JOB_POLL_SECONDS", "1e10"));

        var listed = _session.Run("Get-SkyJob -JobId $args[0]", done).ShouldSucceed();
        var waited = _session.Run("Wait-SkyJob -JobId $args[0]", done).ShouldSucceed();

        listed.Output.Should().ContainSingle();
        listed.Warnings.Should().ContainSingle(w => w.Contains("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS"));
        waited.Output.Should().ContainSingle().Which.Text("Status").Should().Be("SUCCEEDED");
        waited.Warnings.Should().ContainSingle(w => w.Contains("SKYPILOT_PS_JOB_POLL_SECONDS"));
    }

    [Fact]
    public void Workdir_entries_that_are_not_staged_are_warnings_naming_them()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // FIFOs are a Unix thing
        }

        using var env = world.UseGcp();
        var workdir = world.Gcp.Temp.Combine("project", "skipping-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(workdir);
        File.WriteAllText(Path.Combine(workdir, "train.py"), "print(1)\n");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [Path.Combine(workdir, "pipe")]))
        {
            mkfifo.WaitForExit();
        }

        var task = world.Gcp.Temp.WriteFile(Path.Combine("project", "skipping.yaml"), "name: skipping\nworkdir: " + workdir + "\nresources:\n  infra: gcp\nrun: python train.py\n");

        var result = _session.Run("Submit-SkyJob -LiteralPath $args[0] -WhatIf", task).ShouldSucceed();

        result.Warnings.Should().ContainSingle().Which.Should().Contain(Path.Combine(workdir, "pipe")).And.Contain("not staged");
    }
}

