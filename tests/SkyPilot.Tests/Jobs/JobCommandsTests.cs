using System.Reflection;
using System.Management.Automation;
using SkyPilot.Core.Api;
using SkyPilot.PowerShell.Commands;
using SkyPilot.PowerShell.Infrastructure;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class JobCommandsTests : IAsyncLifetime
{
    private FakeSkyPilotApiServer _api = null!;
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _vars = new();

    public async Task InitializeAsync()
    {
        _api = await FakeSkyPilotApiServer.StartAsync();
        _vars["HOME"] = _temp.Path;
        _vars["SKYPILOT_PS_CACHE_DIR"] = _temp.Combine("cache");
        _vars["SKYPILOT_API_SERVER_ENDPOINT"] = _api.BaseUrl;
        using var http = new HttpClient();
        foreach (var (name, status) in new[] { ("nightly-1", "RUNNING"), ("nightly-2", "SUCCEEDED"), ("adhoc", "RUNNING") })
        {
            _api.ScriptNextJob(status);
            var launch = await http.PostAsync(_api.BaseUrl + "/jobs/launch", new StringContent("{\"task\":\"run: echo\",\"name\":\"" + name + "\"}", System.Text.Encoding.UTF8, "application/json"));
            var id = launch.Headers.GetValues(FakeSkyPilotApiServer.RequestIdHeader).Single();
            await http.GetAsync(_api.BaseUrl + "/api/get?request_id=" + id);
        }
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _temp.Dispose();
    }

    private RecordingSink Run(SkyCmdlet command, bool approve = true)
    {
        var sink = new RecordingSink { Approve = approve };
        using (new ProcessEnvironment(_vars))
        {
            command.Invoke(sink);
            if (command is StopSkyJobCommand stop)
            {
                stop.InvokeComplete(sink);
            }
        }

        return sink;
    }

    [Fact]
    public void Get_SkyJob_lists_and_filters_by_name_status_and_id()
    {
        Run(new GetSkyJobCommand()).Output.Cast<ManagedJob>().Select(j => j.JobId).Should().Equal(3, 2, 1);
        // -Name matching uses PowerShell's WildcardPattern, which only the real engine has: see the runspace tests.
        Run(new GetSkyJobCommand { Status = ["RUNNING"] }).Output.Cast<ManagedJob>().Select(j => j.JobId).Should().Equal(3, 1);
        Run(new GetSkyJobCommand { JobId = [2] }).Output.Cast<ManagedJob>().Single().Status.Should().Be("SUCCEEDED");
    }

    [Fact]
    public void Listed_jobs_complete_for_JobId()
    {
        Run(new GetSkyJobCommand());

        var env = new SkyPilot.Core.SkyEnvironment(_vars, _temp.Path, isWindows: false);
        JobIdCompleter.Complete(env, "").Select(e => e.JobId).Should().Equal(3, 2, 1);
        JobIdCompleter.Complete(env, "2").Select(e => e.Name).Should().Equal("nightly-2");
    }

    [Fact]
    public void Stop_SkyJob_cancels_the_piped_jobs_in_one_request_and_WhatIf_cancels_none()
    {
        var running = Run(new GetSkyJobCommand { Status = ["RUNNING"] }).Output.Cast<ManagedJob>().ToList();

        var whatIf = Run(new StopSkyJobCommand { JobId = running.Select(j => j.JobId).ToArray() }, approve: false);
        whatIf.ShouldProcessCalls.Select(c => c.Target).Should().Equal("managed job 3 (adhoc, RUNNING)", "managed job 1 (nightly-1, RUNNING)");
        _api.CountRequests("/jobs/cancel").Should().Be(0);

        var stop = new StopSkyJobCommand { PassThruRequested = true };
        var sink = new RecordingSink();
        using (new ProcessEnvironment(_vars))
        {
            foreach (var job in running)
            {
                stop.JobId = [job.JobId]; // what binding by property name does for each piped ManagedJob
                stop.Invoke(sink);
            }

            stop.InvokeComplete(sink);
        }

        _api.CountRequests("/jobs/cancel").Should().Be(1);
        sink.Output.Cast<ManagedJob>().Should().HaveCount(2).And.OnlyContain(j => j.Status == "CANCELLING" || j.Status == "CANCELLED");
        _api.GetJob(2)!.Status.Should().Be("SUCCEEDED");
    }

    [Fact]
    public void Stop_SkyJob_reports_per_job_what_the_server_did()
    {
        var sink = Run(new StopSkyJobCommand { JobId = [1, 2, 99] });

        var missing = sink.Errors.Should().ContainSingle().Subject;
        missing.ErrorId.Should().Be("JobNotFound");
        missing.Category.Should().Be(ErrorCategory.ObjectNotFound);
        missing.Target.Should().Be(99L);
        sink.Warnings.Should().ContainSingle(w => w.Contains("already ended (SUCCEEDED)"));
        sink.Verbose.Should().Contain(v => v.Contains("job 1") && v.Contains("scheduled to be cancelled"));
        _api.GetJob(1)!.Status.Should().Be("CANCELLING");
    }

    [Fact]
    public void Stop_SkyJob_Name_and_All_select_unfinished_jobs_and_ask_about_each()
    {
        // -Name matches with PowerShell's WildcardPattern: tested through the engine (CmdletSurfaceTests).
        var all = Run(new StopSkyJobCommand { AllRequested = true });
        all.ShouldProcessCalls.Select(c => c.Target).Should().BeEquivalentTo("managed job 1 (nightly-1, RUNNING)", "managed job 3 (adhoc, RUNNING)");
        all.Errors.Should().BeEmpty();
        _api.CountRequests("/jobs/cancel").Should().Be(1);
        _api.GetJob(1)!.Status.Should().Be("CANCELLING");
        _api.GetJob(3)!.Status.Should().Be("CANCELLING");
        _api.GetJob(2)!.Status.Should().Be("SUCCEEDED");
    }

    [Fact]
    public void Get_SkyJob_maps_its_switches_to_the_queue_request()
    {
        Run(new GetSkyJobCommand { AllUsersRequested = true, SkipFinishedRequested = true, RefreshRequested = true, Workspace = "team" });

        var body = System.Text.Json.Nodes.JsonNode.Parse(_api.Calls.Last(c => c.Path == "/jobs/queue/v2").Body)!;
        body["all_users"]!.GetValue<bool>().Should().BeTrue();
        body["skip_finished"]!.GetValue<bool>().Should().BeTrue();
        body["refresh"]!.GetValue<bool>().Should().BeTrue();
        body["workspace_match"]!.GetValue<string>().Should().Be("team");
    }

    [Fact]
    public void Get_SkyJob_shows_an_empty_queue_when_no_jobs_controller_is_up()
    {
        _api.JobsControllerUp = false;

        var sink = Run(new GetSkyJobCommand());

        sink.Errors.Should().BeEmpty();
        sink.Output.Should().BeEmpty();
    }

    [Fact]
    public void Stop_SkyJob_binds_JobId_from_ManagedJob_by_property_name()
    {
        var parameter = typeof(StopSkyJobCommand).GetProperty("JobId")!;
        parameter.GetCustomAttributesData().Single(a => a.AttributeType == typeof(ParameterAttribute)).NamedArguments
            .Should().Contain(a => a.MemberName == "ValueFromPipelineByPropertyName" && (bool)a.TypedValue.Value! == true);
        typeof(ManagedJob).GetProperty("JobId")!.PropertyType.Should().Be(parameter.PropertyType.GetElementType());
    }

    [Fact]
    public async Task An_unreachable_server_is_an_error_record_not_a_crash()
    {
        await _api.StopListeningAsync();

        var sink = Run(new GetSkyJobCommand());

        sink.Errors.Single().ErrorId.Should().Be("ApiServerUnreachable");
        sink.Output.Should().BeEmpty();
    }
}

public sealed class JobStatusNamesTests
{
    [Fact]
    public void Get_SkyJob_Status_accepts_exactly_SkyPilots_status_names()
    {
        var validateSet = typeof(SkyPilot.PowerShell.Commands.GetSkyJobCommand).GetProperty("Status")!.GetCustomAttributesData()
            .Single(a => a.AttributeType == typeof(ValidateSetAttribute));
        var values = ((IEnumerable<CustomAttributeTypedArgument>)validateSet.ConstructorArguments[0].Value!).Select(v => (string)v.Value!);

        values.Should().Equal(ManagedJobStatus.All);
    }
}
