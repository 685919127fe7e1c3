using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// Issue 11 items 2 and 6, in a real pwsh process: -Debug in a non-interactive host gives the trace without failing,
/// and results keep their structure through Start-Job.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class NonInteractiveHostTests(EngineWorld world)
{
    [Fact]
    public async Task Debug_in_a_non_interactive_host_writes_the_trace_and_reports_no_failure_after_writing_the_token()
    {
        var token = await world.Nebius.IssueTokenAsync();
        var script = """
            Import-Module $env:SKY_MODULE
            $t = ConvertTo-SecureString $env:SKY_TEST_TOKEN -AsPlainText -Force
            $status = Update-SkyNebiusCredential -Token $t -TenantId $env:SKY_TEST_TENANT -Debug -ErrorVariable failed -Confirm:$false
            "RESULT ok=$(-not $failed) written=$($status.Written) valid=$($status.Valid)"
            $check = Test-SkyCloud nebius -Capability Compute -Debug -ErrorVariable failed2
            "RESULT2 ok=$(-not $failed2) cloud=$($check.Cloud)"
            """;

        var result = await Pwsh.RunAsync(["-Command", script], ChildPwshEnvironment.For(world.Nebius.Variables, ("SKY_TEST_TOKEN", token), ("SKY_TEST_TENANT", NebiusWorld.Tenant)));

        result.StandardOutput.Should().Contain("RESULT ok=True written=True valid=True", result.ToString());
        result.StandardOutput.Should().Contain("RESULT2 ok=True cloud=nebius", result.ToString());
        result.StandardOutput.Should().Contain("DEBUG: Wrote ", "verbose lines join the debug trace under -Debug");
        result.StandardOutput.Should().Contain("DEBUG: Checking nebius");
        result.StandardError.Should().NotContain("NonInteractive");
        (result.StandardOutput + result.StandardError).Should().NotContain(token);
        File.ReadAllText(world.Nebius.TokenFile).Trim().Should().Be(token);
    }

    [Fact]
    public async Task Results_keep_nested_results_lists_and_dates_through_Start_Job()
    {
        var script = """
            $m = $env:SKY_MODULE
            $r = Start-Job { Import-Module $using:m; Test-SkyCloud gcp } | Receive-Job -Wait -AutoRemoveJob
            "compute=$($r.Compute.Allowed) storage=$($r.Storage.Allowed) account=$($r.Identity.Account)"
            "perms=$($r.Compute.PermissionsTested.Count -gt 3) checked=$($r.CheckedAt.UtcDateTime -is [datetime]) caps=$(@($r.Capabilities).Count)"
            if (-not $r.Compute.Allowed) { throw 'README check would throw' }
            "README ok"
            """;

        var result = await Pwsh.RunAsync(["-Command", script], ChildPwshEnvironment.For(world.Gcp.Variables), TimeSpan.FromMinutes(3));

        result.StandardOutput.Should().Contain("compute=True storage=True account=" + world.Jobs.Email, result.ToString());
        result.StandardOutput.Should().Contain("perms=True checked=True caps=2", result.ToString());
        result.StandardOutput.Should().Contain("README ok", result.ToString());
    }

    [Fact]
    public async Task A_submitted_job_keeps_its_date_through_Start_Job()
    {
        var task = world.Jobs.WriteTask();
        var script = """
            $m = $env:SKY_MODULE
            $task = $env:SKY_TASK
            $job = Start-Job { Import-Module $using:m; Set-Location (Split-Path $using:task); Submit-SkyJob -Path $using:task } | Receive-Job -Wait -AutoRemoveJob
            "id=$($job.JobId -gt 0) submitted=$($job.SubmittedAt.UtcDateTime -is [datetime])"
            """;

        var result = await Pwsh.RunAsync(["-Command", script], ChildPwshEnvironment.For(world.Gcp.Variables, ("SKY_TASK", task)), TimeSpan.FromMinutes(3));

        result.StandardOutput.Should().Contain("id=True submitted=True", result.ToString());
    }
}
