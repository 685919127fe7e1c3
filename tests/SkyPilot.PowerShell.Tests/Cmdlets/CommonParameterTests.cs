using System.Management.Automation;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// PowerShell's common parameters and preferences on every cmdlet: -WhatIf/-Confirm and $WhatIfPreference/$ConfirmPreference
/// on the state-changing ones (in a runspace with no interactive host, so a prompt must fail, never change anything),
/// -ErrorAction, -ErrorVariable, $ErrorActionPreference and $? on each cmdlet's error path, and the error record's shape.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class CommonParameterTests(EngineWorld world, SharedSession session) : IClassFixture<SharedSession>
{
    [Theory]
    [InlineData("Clear-SkyCache", true)]
    [InlineData("Update-SkyNebiusCredential", true)]
    [InlineData("Submit-SkyJob", true)]
    [InlineData("Stop-SkyJob", true)]
    [InlineData("Test-SkyCloud", false)]
    [InlineData("Get-SkyCloudIdentity", false)]
    [InlineData("Get-SkyCache", false)]
    [InlineData("Get-SkyJob", false)]
    [InlineData("Get-SkyJobLog", false)]
    [InlineData("Wait-SkyJob", false)]
    [InlineData("Get-SkyApiServer", false)]
    public void WhatIf_and_Confirm_exist_exactly_on_the_cmdlets_that_change_state(string cmdlet, bool changesState)
    {
        var parameters = session.Run("(Get-Command $args[0]).Parameters.Keys", cmdlet).ShouldSucceed().Output.Select(o => o.ToString()).ToList();

        if (changesState)
        {
            parameters.Should().Contain(["WhatIf", "Confirm"]);
        }
        else
        {
            parameters.Should().NotContain("WhatIf").And.NotContain("Confirm");
        }
    }

    /// <summary>A state-changing call, a way to tell whether it changed anything, in a scope of its own.</summary>
    private sealed class Change(ProcessEnvironment env, string command, object[] arguments, Func<bool> changed) : IDisposable
    {
        public string Command { get; } = command;

        public object[] Arguments { get; } = arguments;

        public bool Changed => changed();

        public void Dispose() => env.Dispose();
    }

    private async Task<Change> ArrangeAsync(string cmdlet)
    {
        if (cmdlet == "Clear-SkyCache")
        {
            var env = world.UseGcp();
            session.Run("Test-SkyCloud gcp").ShouldSucceed();
            return new Change(env, "Clear-SkyCache", [], () => session.Run("Get-SkyCache").ShouldSucceed().Output.Count != 2);
        }

        if (cmdlet == "Submit-SkyJob")
        {
            var env = world.UseGcp(("HOME", world.FreshHome(withJobsConfig: true)));
            var launches = world.Jobs.Api.Launches.Count;
            return new Change(env, "Set-Location (Split-Path $args[0]); Submit-SkyJob -Path $args[0]", [world.Jobs.WriteTask()], () => world.Jobs.Api.Launches.Count != launches);
        }

        if (cmdlet == "Stop-SkyJob")
        {
            var env = world.UseGcp(("HOME", world.FreshHome(withJobsConfig: true)));
            world.Jobs.Api.ScriptNextJob(FakeSkyJobStatus.Pending, FakeSkyJobStatus.Running);
            var id = (long)session.Run("Set-Location (Split-Path $args[0]); (Submit-SkyJob -Path $args[0]).JobId", world.Jobs.WriteTask()).ShouldSucceed().Output.Single().BaseObject;
            return new Change(env, "Stop-SkyJob -JobId " + id, [], () => world.Jobs.Api.GetJob((int)id)!.Status.StartsWith("CANCEL", StringComparison.Ordinal));
        }

        var home = world.FreshHome();
        var tokenFile = Path.Combine(home, ".nebius", "NEBIUS_IAM_TOKEN.txt");
        var token = EngineTestExtensions.Secure(await world.Nebius.IssueTokenAsync());
        return new Change(world.UseNebius(("HOME", home)), "Update-SkyNebiusCredential -Token $args[0] -TenantId " + NebiusWorld.Tenant, [token], () => File.Exists(tokenFile));
    }

    // Each form ends with $? inside the scope that ran the cmdlet.
    [Theory]
    [InlineData("Clear-SkyCache", "{0} -WhatIf; $?")]
    [InlineData("Clear-SkyCache", "& {{ $WhatIfPreference = $true; {0}; $? }} @args")]
    [InlineData("Update-SkyNebiusCredential", "{0} -WhatIf; $?")]
    [InlineData("Update-SkyNebiusCredential", "& {{ $WhatIfPreference = $true; {0}; $? }} @args")]
    [InlineData("Submit-SkyJob", "{0} -WhatIf; $?")]
    [InlineData("Submit-SkyJob", "& {{ $WhatIfPreference = $true; {0}; $? }} @args")]
    [InlineData("Stop-SkyJob", "{0} -WhatIf; $?")]
    [InlineData("Stop-SkyJob", "& {{ $WhatIfPreference = $true; {0}; $? }} @args")]
    public async Task WhatIf_changes_nothing_and_is_not_an_error(string cmdlet, string form)
    {
        using var change = await ArrangeAsync(cmdlet);

        var result = session.Run(string.Format(form, change.Command), change.Arguments).ShouldSucceed();

        result.Output.Should().ContainSingle().Which.BaseObject.Should().Be(true);
        change.Changed.Should().BeFalse();
    }

    [Theory]
    [InlineData("Clear-SkyCache", "{0} -Confirm; $?")]
    [InlineData("Clear-SkyCache", "& {{ $ConfirmPreference = 'Medium'; {0}; $? }} @args")]
    [InlineData("Clear-SkyCache", "& {{ $ConfirmPreference = 'Low'; {0}; $? }} @args")]
    [InlineData("Update-SkyNebiusCredential", "{0} -Confirm; $?")]
    [InlineData("Update-SkyNebiusCredential", "& {{ $ConfirmPreference = 'Medium'; {0}; $? }} @args")]
    [InlineData("Submit-SkyJob", "{0} -Confirm; $?")]
    [InlineData("Submit-SkyJob", "& {{ $ConfirmPreference = 'Medium'; {0}; $? }} @args")]
    [InlineData("Stop-SkyJob", "{0} -Confirm; $?")]
    [InlineData("Stop-SkyJob", "& {{ $ConfirmPreference = 'Medium'; {0}; $? }} @args")]
    public async Task A_confirmation_prompt_in_a_non_interactive_runspace_fails_and_changes_nothing(string cmdlet, string form)
    {
        using var change = await ArrangeAsync(cmdlet);

        var result = session.Run(string.Format(form, change.Command), change.Arguments);

        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.Exception.Message.Should().Contain("does not support user interaction");
        result.Output.Should().ContainSingle().Which.BaseObject.Should().Be(false);
        change.Changed.Should().BeFalse();
    }

    [Theory]
    [InlineData("Clear-SkyCache")]
    [InlineData("Update-SkyNebiusCredential")]
    public async Task The_failed_prompt_is_reported_as_the_hosts_error_not_as_an_unexpected_one(string cmdlet)
    {
        using var change = await ArrangeAsync(cmdlet);

        var result = session.Run(change.Command + " -Confirm", change.Arguments);

        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("HostFunctionNotImplemented");
        error.CategoryInfo.Category.Should().Be(ErrorCategory.NotImplemented);
        error.Exception.Should().BeAssignableTo<System.Management.Automation.Host.HostException>();
    }

    [Theory]
    [InlineData("Clear-SkyCache", "{0}")]
    [InlineData("Clear-SkyCache", "& {{ $ConfirmPreference = 'Low'; {0} -Confirm:$false }} @args")]
    [InlineData("Clear-SkyCache", "& {{ $WhatIfPreference = $true; {0} -WhatIf:$false }} @args")]
    [InlineData("Update-SkyNebiusCredential", "{0}")]
    [InlineData("Update-SkyNebiusCredential", "& {{ $ConfirmPreference = 'Low'; {0} -Confirm:$false }} @args")]
    [InlineData("Update-SkyNebiusCredential", "& {{ $WhatIfPreference = $true; {0} -WhatIf:$false }} @args")]
    [InlineData("Submit-SkyJob", "{0}")]
    [InlineData("Submit-SkyJob", "& {{ $ConfirmPreference = 'Low'; {0} -Confirm:$false }} @args")]
    [InlineData("Stop-SkyJob", "{0}")]
    [InlineData("Stop-SkyJob", "& {{ $ConfirmPreference = 'Low'; {0} -Confirm:$false }} @args")]
    public async Task Without_a_prompt_or_with_an_explicit_no_the_change_happens(string cmdlet, string form)
    {
        using var change = await ArrangeAsync(cmdlet);

        session.Run(string.Format(form, change.Command), change.Arguments).ShouldSucceed();

        change.Changed.Should().BeTrue();
    }

    [Fact]
    public async Task WhatIf_names_every_target_in_a_real_pwsh()
    {
        // What-if lines go to the host, which an SDK runspace does not have: ask the real pwsh.
        // dotnet finds the restored pwsh tool from the real home (its CLI home and NuGet folder), not from the test's private home.
        var realHome = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(realHome, ".nuget", "packages");
        var cliHome = Environment.GetEnvironmentVariable("DOTNET_CLI_HOME") ?? realHome;
        var home = world.FreshHome();
        var token = await world.Nebius.IssueTokenAsync();
        using var env = world.UseGcp(("HOME", home), ("NEBIUS_ENDPOINT", world.Nebius.Variables["NEBIUS_ENDPOINT"]));
        session.Run("Test-SkyCloud gcp").ShouldSucceed();

        var run = await Pwsh.RunAsync(["-Command", """
            Import-Module $env:SKYPS_TEST_MODULE
            Clear-SkyCache -WhatIf
            Update-SkyNebiusCredential -Token (ConvertTo-SecureString $env:SKYPS_TEST_TOKEN -AsPlainText -Force) -TenantId tenant-e00test0001 -WhatIf
            """], new Dictionary<string, string?> { ["NUGET_PACKAGES"] = packages, ["DOTNET_CLI_HOME"] = cliHome, ["SKYPS_TEST_MODULE"] = PowerShellSession.ModuleManifest, ["SKYPS_TEST_TOKEN"] = token });

        run.ExitCode.Should().Be(0, run.ToString());
        var lines = run.StandardOutput.Split('\n').Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).ToList();
        lines.Where(l => l.Contains("\"Remove cached check result\"")).Should().HaveCount(2, "one prompt per cached entry").And.OnlyContain(l => l.Contains("deployer@project-a"));
        lines.Should().ContainSingle(l => l.Contains("\"Write Nebius credentials")).Which.Should()
            .Contain(Path.Combine(home, ".nebius", "NEBIUS_IAM_TOKEN.txt")).And.Contain(Path.Combine(home, ".nebius", "NEBIUS_TENANT_ID.txt"));
        session.Run("Get-SkyCache").ShouldSucceed().Output.Should().HaveCount(2);
        Directory.Exists(Path.Combine(home, ".nebius")).Should().BeFalse();
        run.StandardOutput.Should().NotContain(token);
    }

    /// <summary>A failure on each cmdlet's own error path (not binding): the command, and the record PowerShell must show.</summary>
    public static TheoryData<string, string, string, ErrorCategory, string, string> ErrorPaths() => new()
    {
        { "Update-SkyNebiusCredential", "Update-SkyNebiusCredential -Token $args[0] -TenantId tenant-e00test0001", "CredentialRejectedFormat", ErrorCategory.InvalidArgument, "nebius", "nebius iam get-access-token" },
        { "Submit-SkyJob", "Submit-SkyJob -Path ./no-such-task.yaml", "TaskFileNotFound", ErrorCategory.ObjectNotFound, "no-such-task.yaml", "Check the path" },
        { "Get-SkyJob", "Get-SkyJob -Endpoint http://127.0.0.1:1", "ApiServerUnreachable", ErrorCategory.ConnectionError, "http://127.0.0.1:1", "sky api start" },
        { "Stop-SkyJob", "Stop-SkyJob -JobId 5 -Endpoint http://127.0.0.1:1", "ApiServerUnreachable", ErrorCategory.ConnectionError, "http://127.0.0.1:1", "sky api start" },
    };

    private ProcessEnvironment UseFailing() => world.UseGcp(("HOME", world.FreshHome()), ("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "1"));

    private static readonly object[] MalformedToken = [EngineTestExtensions.Secure("v0.two words")];

    private static void ShouldBeTheRecord(ErrorRecord error, string cmdlet, string reason, ErrorCategory category, string target, string action)
    {
        error.FullyQualifiedErrorId.Should().Be(EngineTestExtensions.ErrorId(reason, cmdlet));
        error.CategoryInfo.Category.Should().Be(category);
        error.TargetObject.Should().NotBeNull();
        error.TargetObject.ToString().Should().EndWith(target);
        error.ErrorDetails.Should().NotBeNull();
        error.ErrorDetails.RecommendedAction.Should().Contain(action);
        error.InvocationInfo.MyCommand.Name.Should().Be(cmdlet);
        error.Exception.Message.Should().NotContain("   at ", "no stack trace");
    }

    [Theory]
    [MemberData(nameof(ErrorPaths))]
    public void By_default_the_error_is_non_terminating_and_sets_dollar_question_false(string cmdlet, string command, string reason, ErrorCategory category, string target, string action)
    {
        using var env = UseFailing();

        var result = session.Run(command + "; $?; 'after'", MalformedToken);

        ShouldBeTheRecord(result.Errors.Should().ContainSingle().Subject, cmdlet, reason, category, target, action);
        result.Terminating.Should().BeNull();
        result.Output.Select(o => o.BaseObject).Should().Equal(false, "after");
    }

    [Theory]
    [MemberData(nameof(ErrorPaths))]
    public void ErrorAction_Stop_makes_it_terminating_with_the_same_record(string cmdlet, string command, string reason, ErrorCategory category, string target, string action)
    {
        using var env = UseFailing();

        var result = session.Run("try { " + command + " -ErrorAction Stop; 'not reached' } catch { $_ }; 'after'", MalformedToken).ShouldSucceed();

        result.Output.Should().HaveCount(2);
        ShouldBeTheRecord((ErrorRecord)result.Output[0].BaseObject, cmdlet, reason, category, target, action);
        result.Output[1].BaseObject.Should().Be("after");
    }

    [Theory]
    [MemberData(nameof(ErrorPaths))]
    public void ErrorActionPreference_Stop_is_honoured(string cmdlet, string command, string reason, ErrorCategory category, string target, string action)
    {
        using var env = UseFailing();

        var result = session.Run("& { $ErrorActionPreference = 'Stop'; try { " + command + "; 'not reached' } catch { $_ } } @args", MalformedToken).ShouldSucceed();

        ShouldBeTheRecord((ErrorRecord)result.Output.Single().BaseObject, cmdlet, reason, category, target, action);
    }

    [Theory]
    [MemberData(nameof(ErrorPaths))]
    public void SilentlyContinue_hides_it_and_ErrorVariable_still_collects_it(string cmdlet, string command, string reason, ErrorCategory category, string target, string action)
    {
        using var env = UseFailing();

        var result = session.Run(command + " -ErrorAction SilentlyContinue -ErrorVariable failures; $ok = $?; $ok; $failures.Count; $failures[0]", MalformedToken).ShouldSucceed();

        result.Output.Should().HaveCount(3);
        result.Output[0].BaseObject.Should().Be(false);
        result.Output[1].BaseObject.Should().Be(1);
        ShouldBeTheRecord((ErrorRecord)result.Output[2].BaseObject, cmdlet, reason, category, target, action);
    }
}
