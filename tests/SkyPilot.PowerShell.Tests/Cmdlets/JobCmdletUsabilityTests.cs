using System.Management.Automation;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>Issue 11 items 4, 5, 7, 8, 13 and 14: paths, YAML errors, pipeline binding, not-found errors, Ctrl+C.</summary>
[Collection(EngineCollection.Name)]
public sealed class JobCmdletUsabilityTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    private Invocation InProject(string script, params object?[] arguments) =>
        _session.Run("Set-Location -LiteralPath $args[0]; " + script, new object?[] { world.Jobs.TaskDirectory }.Concat(arguments).ToArray());

    [Fact]
    public void Task_paths_resolve_through_PSDrives_wildcards_LiteralPath_and_the_pipeline()
    {
        using var env = world.UseGcp();
        world.Jobs.WriteTask();

        var drive = InProject("New-PSDrive -Name UxProj -PSProvider FileSystem -Root (Get-Location).Path | Out-Null; Submit-SkyJob UxProj:/task.yaml -Name ux-drive").ShouldSucceed();
        var wildcard = InProject("Submit-SkyJob ./t*.yaml -Name ux-wildcard").ShouldSucceed();
        var qualified = InProject("Submit-SkyJob -LiteralPath ('Microsoft.PowerShell.Core\\FileSystem::' + (Resolve-Path task.yaml).Path) -Name ux-qualified").ShouldSucceed();
        var piped = InProject("Get-ChildItem task.yaml | Submit-SkyJob -Name ux-piped").ShouldSucceed();

        foreach (var result in new[] { drive, wildcard, qualified, piped })
        {
            ((long)result.Output.Should().ContainSingle().Subject.Properties["JobId"].Value).Should().BeGreaterThan(0);
        }
    }

    [Fact]
    public void Home_relative_paths_resolve_to_the_home_directory_not_below_the_current_one()
    {
        using var env = world.UseGcp();

        var result = InProject("Submit-SkyJob ~/ux-no-such-task.yaml");

        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("TaskFileNotFound,");
        error.CategoryInfo.Category.Should().Be(ErrorCategory.ObjectNotFound);
        error.TargetObject.ToString().Should().NotContain("~").And.EndWith("ux-no-such-task.yaml");
        error.ErrorDetails.RecommendedAction.Should().NotContain("field");
    }

    [Fact]
    public void A_wildcard_that_matches_no_task_file_is_an_ObjectNotFound_error()
    {
        using var env = world.UseGcp();

        var result = InProject("Submit-SkyJob ./nothing-here-*.yaml");

        result.AllErrors.Should().ContainSingle().Which.CategoryInfo.Category.Should().Be(ErrorCategory.ObjectNotFound);
    }

    [Fact]
    public void A_directory_as_the_task_is_named_as_such_not_access_denied()
    {
        using var env = world.UseGcp();

        var result = InProject("Submit-SkyJob -LiteralPath .");

        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("TaskFileNotAFile,");
        error.Exception.Message.Should().Contain("directory").And.NotContain("denied");
    }

    [Fact]
    public void Every_YAML_error_is_InvalidTaskFile_with_file_and_line()
    {
        using var env = world.UseGcp();
        var task = world.Gcp.Temp.WriteFile(Path.Combine("project", "broken.yaml"), "resources:\n  cpus: [\nrun: echo\n");

        var result = InProject("Submit-SkyJob -LiteralPath $args[1]", task);

        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("InvalidTaskFile,");
        error.CategoryInfo.Category.Should().Be(ErrorCategory.ParserError);
        error.TargetObject.Should().Be(task);
        error.Exception.Message.Should().MatchRegex(@"broken\.yaml:\d+: ");
        error.ErrorDetails.RecommendedAction.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void A_bad_endpoint_and_a_bad_bucket_are_InvalidArgument_with_target_and_fix()
    {
        using var env = world.UseGcp(("SKYPILOT_CONFIG", world.Gcp.Temp.WriteFile(Path.Combine("configs", "s3.yaml"), "jobs:\n  bucket: ftp://x\n")));
        world.Jobs.WriteTask();

        var endpoint = InProject("Get-SkyJob -Endpoint 'not a url'");
        var bucket = InProject("Submit-SkyJob ./task.yaml");

        foreach (var (result, target) in new[] { (endpoint, "not a url"), (bucket, "ftp://x") })
        {
            var error = result.AllErrors.Should().ContainSingle().Subject;
            error.FullyQualifiedErrorId.Should().StartWith("InvalidArgument,");
            error.TargetObject.Should().Be(target);
            error.ErrorDetails.RecommendedAction.Should().NotBeNullOrEmpty();
        }
    }

    [Fact]
    public void Job_ids_bind_from_the_pipeline_and_unknown_ids_or_names_are_ObjectNotFound()
    {
        using var env = world.UseGcp();
        world.Jobs.WriteTask();
        var id = (long)InProject("Submit-SkyJob ./task.yaml -Name ux-piped-id").ShouldSucceed().Output[0].Properties["JobId"].Value;

        var piped = _session.Run("$args[0] | Get-SkyJob", id).ShouldSucceed();
        var missing = _session.Run("Get-SkyJob 99999; $?");
        var missingName = _session.Run("Get-SkyJob -Name ux-no-such-job");
        var wildcard = _session.Run("Get-SkyJob -Name ux-no-such-*").ShouldSucceed();
        var matching = _session.Run("Get-SkyJob -Name UX-PIPED-[i]*").ShouldSucceed();
        var status = _session.Run("Get-SkyJob -Status running, Succeeded, PENDING, STARTING").ShouldSucceed();
        var badStatus = _session.Run("Get-SkyJob -Status DONE");

        ((long)piped.Output.Should().ContainSingle().Subject.Properties["JobId"].Value).Should().Be(id);
        missing.Errors.Should().ContainSingle().Which.CategoryInfo.Category.Should().Be(ErrorCategory.ObjectNotFound);
        missing.Output.Last().BaseObject.Should().Be(false);
        missingName.Errors.Should().ContainSingle().Which.FullyQualifiedErrorId.Should().StartWith("JobNotFound,");
        wildcard.Output.Should().BeEmpty();
        matching.Output.Select(o => (string)o.Properties["Name"].Value).Should().NotBeEmpty().And.OnlyContain(n => n == "ux-piped-id");
        status.Output.Should().NotBeEmpty();
        badStatus.AllErrors.Should().ContainSingle().Which.Exception.Message.Should().Contain("FAILED_CONTROLLER");
    }

    [Fact]
    public void Stop_SkyJob_binds_ids_by_value_warns_for_ended_jobs_and_reports_unknown_ones()
    {
        using var env = world.UseGcp();
        world.Jobs.WriteTask();
        var id = (long)InProject("Submit-SkyJob ./task.yaml -Name ux-ended -Wait").ShouldSucceed().Output[0].Properties["JobId"].Value;

        var ended = _session.Run("$args[0] | Stop-SkyJob -Confirm:$false", id);
        var unknown = _session.Run("99999 | Stop-SkyJob -Confirm:$false");

        ended.AllErrors.Should().BeEmpty();
        ended.Warnings.Should().ContainSingle().Which.Should().Contain("ux-ended").And.Contain("SUCCEEDED");
        unknown.Errors.Should().ContainSingle().Which.CategoryInfo.Category.Should().Be(ErrorCategory.ObjectNotFound);
    }

    [Fact]
    public async Task Ctrl_C_during_Submit_Wait_says_which_job_keeps_running()
    {
        world.Jobs.WriteTask();
        world.Jobs.Api.ScriptNextJob("PENDING", "RUNNING");
        var signal = world.Gcp.Temp.Combine("stop-" + Guid.NewGuid().ToString("N")[..6]);
        var variables = world.Gcp.Variables.ToDictionary(v => v.Key, v => (string?)v.Value);
        variables["SKY_MODULE"] = PowerShellSession.ModuleManifest;
        variables["SKY_PROJECT"] = world.Jobs.TaskDirectory;
        variables["SKY_SIGNAL"] = signal;
        variables["SKYPILOT_PS_CACHE_DIR"] = world.Gcp.Temp.Combine("cache-" + Guid.NewGuid().ToString("N")[..8]);

        // A runspace on the console host, stopped as Ctrl+C stops a pipeline: what the host shows is on stdout.
        var script = """
            $rs = [runspacefactory]::CreateRunspace($Host); $rs.Open()
            $ps = [powershell]::Create(); $ps.Runspace = $rs
            $null = $ps.AddScript('Import-Module $env:SKY_MODULE; Set-Location -LiteralPath $env:SKY_PROJECT; Submit-SkyJob ./task.yaml -Name ux-left-running -Wait')
            $handle = $ps.BeginInvoke()
            $deadline = (Get-Date).AddSeconds(90)
            while (-not (Test-Path $env:SKY_SIGNAL) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $ps.Stop()
            "STOPPED state=$($ps.InvocationStateInfo.State)"
            """;
        var run = Pwsh.RunAsync(["-Command", script], variables, TimeSpan.FromMinutes(3));
        var until = DateTime.UtcNow.AddSeconds(90);
        while (!world.Jobs.Api.Jobs.Any(j => j.JobName == "ux-left-running" && j.Status == "RUNNING") && DateTime.UtcNow < until && !run.IsCompleted)
        {
            await Task.Delay(100);
        }

        await Task.Delay(500); // a few polls of the wait
        File.WriteAllText(signal, "stop");
        var result = await run;

        result.StandardOutput.Should().Contain("STOPPED state=Stopped", result.ToString());
        var id = world.Jobs.Api.Jobs.Last(j => j.JobName == "ux-left-running").JobId;
        result.StandardOutput.Should().Contain("managed job " + id + " (ux-left-running) keeps running", result.ToString());
        result.StandardOutput.Should().Contain("Stop-SkyJob -JobId " + id);
    }
}
