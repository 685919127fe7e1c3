using System.Management.Automation;
using System.Text;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// Get-SkyJob and Stop-SkyJob through the real engine against an API server of their own holding exactly three jobs:
/// nightly-1 (1, RUNNING), nightly-2 (2, SUCCEEDED) and adhoc (3, RUNNING).
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class JobQueueTests : IAsyncLifetime
{
    private readonly PowerShellSession _session = new();
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _vars = new();
    private FakeSkyPilotApiServer _api = null!;

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
            var launch = await http.PostAsync(_api.BaseUrl + "/jobs/launch", new StringContent("{\"task\":\"run: echo\",\"name\":\"" + name + "\"}", Encoding.UTF8, "application/json"));
            var id = launch.Headers.GetValues(FakeSkyPilotApiServer.RequestIdHeader).Single();
            await http.GetAsync(_api.BaseUrl + "/api/get?request_id=" + id);
        }
    }

    public async Task DisposeAsync()
    {
        _session.Dispose();
        await _api.DisposeAsync();
        _temp.Dispose();
    }

    private Invocation Run(string script)
    {
        using (new ProcessEnvironment(_vars))
        {
            return _session.Run(script);
        }
    }

    /// <summary>The "What if:" lines a console shows: ShouldProcess targets reach only a real host, so this runs in a child pwsh.</summary>
    private async Task<List<string>> WhatIfLinesAsync(string script)
    {
        var variables = _vars.ToDictionary(v => v.Key, v => (string?)v.Value);
        variables["SKY_MODULE"] = PowerShellSession.ModuleManifest;
        var result = await Pwsh.RunAsync(["-Command", "Import-Module $env:SKY_MODULE; " + script], variables);
        result.StandardError.Should().BeEmpty(result.ToString());
        return result.StandardOutput.Split('\n').Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).Select(l => l.TrimEnd('\r')).ToList();
    }

    private static IEnumerable<long> Ids(Invocation result) => result.Output.Select(o => (long)o.Get("JobId")!);

    [Fact]
    public void Get_SkyJob_lists_newest_first_and_filters_by_status_and_id()
    {
        Ids(Run("Get-SkyJob").ShouldSucceed()).Should().Equal(3, 2, 1);
        Ids(Run("Get-SkyJob -Status RUNNING").ShouldSucceed()).Should().Equal(3, 1);
        Run("Get-SkyJob -JobId 2").ShouldSucceed().Output.Should().ContainSingle().Which.Text("Status").Should().Be("SUCCEEDED");
    }

    [Fact]
    public void Listed_jobs_complete_for_JobId_newest_first_and_by_prefix()
    {
        Run("Get-SkyJob").ShouldSucceed();

        var all = Run("(TabExpansion2 -inputScript 'Get-SkyJob -JobId ' -cursorColumn 18).CompletionMatches").ShouldSucceed().Output;
        var two = Run("(TabExpansion2 -inputScript 'Stop-SkyJob -JobId 2' -cursorColumn 20).CompletionMatches").ShouldSucceed().Output;

        all.Select(m => m.Text("CompletionText")).Should().Equal("3", "2", "1");
        two.Should().ContainSingle().Which.Text("ListItemText").Should().Contain("nightly-2");
    }

    [Fact]
    public async Task Stop_SkyJob_cancels_the_piped_jobs_in_one_request_and_WhatIf_cancels_none()
    {
        var whatIf = await WhatIfLinesAsync("Get-SkyJob -Status RUNNING | Stop-SkyJob -WhatIf");
        whatIf.Should().HaveCount(2);
        whatIf[0].Should().Contain("managed job 3").And.Contain("(adhoc, RUNNING)");
        whatIf[1].Should().Contain("managed job 1").And.Contain("(nightly-1, RUNNING)");
        _api.CountRequests("/jobs/cancel").Should().Be(0);

        var stopped = Run("Get-SkyJob -Status RUNNING | Stop-SkyJob -PassThru -Confirm:$false").ShouldSucceed();

        _api.CountRequests("/jobs/cancel").Should().Be(1, "the piped jobs are cancelled together, once the pipeline ends");
        stopped.Output.Should().HaveCount(2).And.OnlyContain(j => j.Text("Status") == "CANCELLING" || j.Text("Status") == "CANCELLED");
        _api.GetJob(2)!.Status.Should().Be("SUCCEEDED");
    }

    [Fact]
    public void Stop_SkyJob_reports_per_job_what_the_server_did()
    {
        var result = Run("Stop-SkyJob -JobId 1, 2, 99 -Confirm:$false -Verbose");

        var missing = result.AllErrors.Should().ContainSingle().Subject;
        missing.FullyQualifiedErrorId.Should().Be(EngineTestExtensions.ErrorId("JobNotFound", "Stop-SkyJob"));
        missing.CategoryInfo.Category.Should().Be(ErrorCategory.ObjectNotFound);
        missing.TargetObject.Should().Be(99L);
        result.Warnings.Should().ContainSingle(w => w.Contains("already ended (SUCCEEDED)"));
        result.Verbose.Should().Contain(v => v.Contains("job 1") && v.Contains("scheduled to be cancelled"));
        _api.GetJob(1)!.Status.Should().Be("CANCELLING");
    }

    [Fact]
    public async Task Stop_SkyJob_All_selects_the_unfinished_jobs_and_asks_about_each()
    {
        var whatIf = await WhatIfLinesAsync("Stop-SkyJob -All -WhatIf");
        whatIf.Should().HaveCount(2);
        whatIf.Should().ContainSingle(l => l.Contains("managed job 1") && l.Contains("(nightly-1, RUNNING)"));
        whatIf.Should().ContainSingle(l => l.Contains("managed job 3") && l.Contains("(adhoc, RUNNING)"));

        Run("Stop-SkyJob -All -Confirm:$false").ShouldSucceed();

        _api.CountRequests("/jobs/cancel").Should().Be(1);
        _api.GetJob(1)!.Status.Should().Be("CANCELLING");
        _api.GetJob(3)!.Status.Should().Be("CANCELLING");
        _api.GetJob(2)!.Status.Should().Be("SUCCEEDED");
    }

    [Fact]
    public void Get_SkyJob_maps_its_switches_to_the_queue_request()
    {
        Run("Get-SkyJob -AllUsers -SkipFinished -Refresh -Workspace team").ShouldSucceed();

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

        var result = Run("Get-SkyJob").ShouldSucceed();

        result.Output.Should().BeEmpty();
    }

    [Fact]
    public async Task An_unreachable_server_is_an_error_record_not_a_crash()
    {
        await _api.StopListeningAsync();

        var result = Run("Get-SkyJob; 'still running'");

        result.Terminating.Should().BeNull();
        result.Errors.Should().ContainSingle().Which.FullyQualifiedErrorId.Should().StartWith("ApiServerUnreachable,");
        result.Output.Select(o => o.ToString()).Should().Equal("still running");
    }
}
