using System.Management.Automation;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// What every exported cmdlet offers a PowerShell user, through the engine: its parameter sets and that each binds,
/// validation at binding time, tab completion, the staged help and the default view.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class CmdletSurfaceTests(EngineWorld world, SharedSession session) : IClassFixture<SharedSession>
{
    public static readonly string[] Cmdlets =
    [
        "Clear-SkyCache", "Get-SkyCache", "Get-SkyCloudIdentity", "Get-SkyJob", "Stop-SkyJob", "Submit-SkyJob", "Test-SkyCloud", "Update-SkyNebiusCredential",
        "Get-SkyJobLog", "Wait-SkyJob", "Get-SkyApiServer",
    ];

    public static readonly string[] CloudCmdlets = ["Test-SkyCloud", "Get-SkyCloudIdentity", "Get-SkyCache", "Clear-SkyCache"];

    public static TheoryData<string> EveryCmdlet() => new(Cmdlets);

    /// <summary>
    /// Everything any cmdlet talks to: the GCP and jobs world, a private home with ~/.sky/config.yaml and a valid
    /// Nebius token and tenant, the Nebius IAM, and a Nebius CLI that prints the token. $args[0] is the token as a SecureString,
    /// $args[1] a task file.
    /// </summary>
    private async Task<(ProcessEnvironment Env, object[] Args)> UseEverythingAsync()
    {
        var home = world.FreshHome(withJobsConfig: true);
        var token = await world.Nebius.IssueTokenAsync();
        Directory.CreateDirectory(Path.Combine(home, ".nebius"));
        File.WriteAllText(Path.Combine(home, ".nebius", "NEBIUS_IAM_TOKEN.txt"), token);
        File.WriteAllText(Path.Combine(home, ".nebius", "NEBIUS_TENANT_ID.txt"), NebiusWorld.Tenant);
        var cli = Path.Combine(home, "nebius");
        File.WriteAllText(cli, "#!/bin/sh\necho '" + token + "'\n");
        File.SetUnixFileMode(cli, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var env = world.UseGcp(("HOME", home), ("NEBIUS_ENDPOINT", world.Nebius.Variables["NEBIUS_ENDPOINT"]), ("SKYPILOT_PS_NEBIUS_CLI", cli));
        return (env, [EngineTestExtensions.Secure(token), world.Jobs.WriteTask()]);
    }

    [Fact]
    public void The_module_exports_exactly_the_documented_cmdlets()
    {
        var names = session.Run("Get-Command -Module SkyPilot.PowerShell | ForEach-Object Name").ShouldSucceed().Output.Select(o => o.ToString());

        names.Should().BeEquivalentTo(Cmdlets);
    }

    [Theory]
    [InlineData("Test-SkyCloud", "*Result[Cloud,Capability,Refresh] Quiet[Cloud,Capability,Refresh,Quiet!]")]
    [InlineData("Get-SkyCloudIdentity", "__AllParameterSets[Cloud]")]
    [InlineData("Get-SkyCache", "__AllParameterSets[Cloud]")]
    [InlineData("Clear-SkyCache", "__AllParameterSets[Cloud,Capability,Fingerprint,PassThru]")]
    [InlineData("Update-SkyNebiusCredential", "*Refresh[] Set[Token,TenantId,Force] FromCli[TenantId,FromCli!,Force]")]
    [InlineData("Submit-SkyJob", "*Path[Path!,Name,Endpoint,Env,EnvFile,Secret,Wait] LiteralPath[LiteralPath!,Name,Endpoint,Env,EnvFile,Secret,Wait]")]
    [InlineData("Get-SkyJob", "__AllParameterSets[JobId,Name,Status,AllUsers,SkipFinished,Refresh,Workspace,Endpoint]")]
    [InlineData("Stop-SkyJob", "*JobId[JobId!,Endpoint,PassThru] Name[Name!,Endpoint,PassThru] All[All!,Endpoint,PassThru]")]
    [InlineData("Get-SkyJobLog", "*JobId[JobId!,Follow,Tail,Controller,Endpoint] Name[Name!,Follow,Tail,Controller,Endpoint]")]
    [InlineData("Wait-SkyJob", "*JobId[JobId!,Timeout,Endpoint] Name[Name!,Timeout,Endpoint]")]
    [InlineData("Get-SkyApiServer", "__AllParameterSets[Endpoint]")]
    public void Parameter_sets_are_as_documented(string cmdlet, string expected)
    {
        // name[parameters], '*' marks the default of several sets, '!' a mandatory parameter; common parameters left out.
        const string script = """
            $command = Get-Command $args[0]
            $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
            ($command.ParameterSets | ForEach-Object {
                $(if ($_.IsDefault -and $command.ParameterSets.Count -gt 1) { '*' }) + $_.Name + '[' +
                (($_.Parameters | Where-Object Name -notin $common | ForEach-Object { $_.Name + $(if ($_.IsMandatory) { '!' }) }) -join ',') + ']'
            }) -join ' '
            """;

        session.Run(script, cmdlet).ShouldSucceed().Output.Single().ToString().Should().Be(expected);
    }

    [Theory]
    [InlineData("Test-SkyCloud/Result", "Test-SkyCloud -Cloud gcp -Capability Storage -Refresh")]
    [InlineData("Test-SkyCloud/Quiet", "if (-not (Test-SkyCloud -Cloud gcp -Capability Storage -Quiet)) { throw 'not enabled' }")]
    [InlineData("Get-SkyCloudIdentity", "Get-SkyCloudIdentity -Cloud gcp")]
    [InlineData("Get-SkyCache", "Get-SkyCache -Cloud gcp")]
    [InlineData("Clear-SkyCache", "Clear-SkyCache -Cloud gcp -Capability Compute -Fingerprint 0123abcd -PassThru")]
    [InlineData("Update-SkyNebiusCredential/Refresh", "Update-SkyNebiusCredential")]
    [InlineData("Update-SkyNebiusCredential/Set", "Update-SkyNebiusCredential -Token $args[0] -TenantId tenant-e00test0001 -Force -WhatIf")]
    [InlineData("Update-SkyNebiusCredential/FromCli", "Update-SkyNebiusCredential -FromCli -TenantId tenant-e00test0001 -Force -WhatIf")]
    [InlineData("Submit-SkyJob/Path", "Set-Location (Split-Path $args[1]); Submit-SkyJob -Path $args[1] -Name surface -WhatIf")]
    [InlineData("Submit-SkyJob/LiteralPath", "Set-Location (Split-Path $args[1]); Submit-SkyJob -LiteralPath $args[1] -Name surface -WhatIf")]
    [InlineData("Get-SkyJob", "Get-SkyJob -AllUsers -SkipFinished -Refresh")]
    [InlineData("Stop-SkyJob/JobId", "Stop-SkyJob -JobId 424242 -WhatIf")]
    [InlineData("Stop-SkyJob/Name", "Set-Location (Split-Path $args[1]); $null = Submit-SkyJob -Path $args[1] -Name stop-by-name; Stop-SkyJob -Name stop-by-* -WhatIf")]
    [InlineData("Stop-SkyJob/All", "Stop-SkyJob -All -WhatIf")]
    [InlineData("Get-SkyApiServer", "Get-SkyApiServer")]
    public async Task Every_parameter_set_binds_and_runs(string set, string script)
    {
        var (env, arguments) = await UseEverythingAsync();
        using (env)
        {
            session.Run(script + "; if (-not $?) { throw 'failed: " + set + "' }", arguments).ShouldSucceed();
        }
    }

    public static TheoryData<string, string, string, string> BindingErrors()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var cmdlet in CloudCmdlets)
        {
            data.Add(cmdlet + " -Cloud gcp, azurr", "ParameterArgumentValidationError", "ParameterBindingValidationException",
                "Cannot validate argument on parameter 'Cloud'. Unknown cloud 'azurr'. Valid clouds: aws, gcp, kubernetes, nebius.");
        }

        data.Add("Test-SkyCloud azure", "ParameterArgumentValidationError", "ParameterBindingValidationException", "Unknown cloud 'azure'.");
        data.Add("Get-SkyCloudIdentity -Cloud ''", "ParameterArgumentValidationError", "ParameterBindingValidationException", "The argument is null, empty");
        data.Add("Test-SkyCloud -Capability Network", "CannotConvertArgumentNoMessage", nameof(ParameterBindingException), "Compute, Storage");
        data.Add("Clear-SkyCache -Capability Network", "CannotConvertArgumentNoMessage", nameof(ParameterBindingException), "Compute, Storage");
        data.Add("Update-SkyNebiusCredential -TenantId ''", "ParameterArgumentValidationError", "ParameterBindingValidationException", "The argument is null or empty");
        data.Add("Update-SkyNebiusCredential -Token $args[0] -FromCli", "AmbiguousParameterSet", nameof(ParameterBindingException), "Parameter set cannot be resolved");
        data.Add("Submit-SkyJob", "MissingMandatoryParameter", nameof(ParameterBindingException), "missing mandatory parameters: Path.");
        data.Add("Stop-SkyJob", "MissingMandatoryParameter", nameof(ParameterBindingException), "missing mandatory parameters: JobId.");
        data.Add("Stop-SkyJob -JobId abc", "CannotConvertArgumentNoMessage", nameof(ParameterBindingException), "Cannot convert value \"abc\" to type \"System.Int64\"");
        data.Add("Get-SkyJob -JobId abc", "CannotConvertArgumentNoMessage", nameof(ParameterBindingException), "Cannot convert value \"abc\" to type \"System.Int64\"");
        return data;
    }

    [Theory]
    [MemberData(nameof(BindingErrors))]
    public void Invalid_arguments_fail_at_binding_with_a_clear_message_and_nothing_runs(string script, string reason, string exceptionType, string message)
    {
        using var env = world.UseGcp();
        var requests = world.Gcp.Server.Requests.Count;

        var result = session.Run(script + "; $?", EngineTestExtensions.Secure("v0.unused"));

        var cmdlet = script.Split(' ')[0];
        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().Be(EngineTestExtensions.ErrorId(reason, cmdlet));
        error.Exception.GetType().Name.Should().Be(exceptionType);
        error.Exception.Message.Should().Contain(message);
        error.CategoryInfo.Category.Should().Be(reason == "ParameterArgumentValidationError" ? ErrorCategory.InvalidData : ErrorCategory.InvalidArgument);
        error.InvocationInfo.MyCommand.Name.Should().Be(cmdlet);
        result.Output.Should().ContainSingle("the command did not run, the script went on").Which.BaseObject.Should().Be(false);
        world.Gcp.Server.Requests.Count.Should().Be(requests);
    }

    public static TheoryData<string, string, string[]> CloudCompletions()
    {
        var data = new TheoryData<string, string, string[]>();
        foreach (var cmdlet in CloudCmdlets)
        {
            data.Add(cmdlet, "", ["aws", "gcp", "kubernetes", "nebius"]);
            data.Add(cmdlet, "k", ["kubernetes"]);
            data.Add(cmdlet, "g", ["gcp"]);
            data.Add(cmdlet, "K", ["kubernetes"]);
            data.Add(cmdlet, "N", ["nebius"]);
            data.Add(cmdlet, "'G", ["gcp"]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CloudCompletions))]
    public void Cloud_completes_through_TabExpansion2(string cmdlet, string typed, string[] expected)
    {
        var line = cmdlet + " -Cloud " + typed;

        var matches = session.Run("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches", line).ShouldSucceed().Output;

        matches.Select(m => m.Text("CompletionText")).Should().Equal(expected);
        matches.Should().OnlyContain(m => m.Text("ResultType") == "ParameterValue");
    }

    [Theory]
    [InlineData("Test-SkyCloud n", "nebius")]
    [InlineData("Get-SkyCloudIdentity G", "gcp")]
    public void A_positional_cloud_completes_too(string line, string expected)
    {
        var matches = session.Run("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches", line).ShouldSucceed().Output;

        matches.Select(m => m.Text("CompletionText")).Should().Equal(expected);
    }

    [Fact]
    public void An_unknown_prefix_completes_to_no_cloud()
    {
        var matches = session.Run("(TabExpansion2 -inputScript 'Test-SkyCloud -Cloud xyz' -cursorColumn 24).CompletionMatches").ShouldSucceed().Output;

        matches.Select(m => m.Text("CompletionText")).Should().NotContain(["aws", "gcp", "kubernetes", "nebius"]);
    }

    [Fact]
    public async Task JobId_completes_from_the_jobs_this_user_last_saw()
    {
        var (env, arguments) = await UseEverythingAsync();
        using (env)
        {
            var job = session.Run("Set-Location (Split-Path $args[1]); Submit-SkyJob -Path $args[1] -Name completion-probe", arguments).ShouldSucceed().Output.Single();
            var id = job.Text("JobId")!;

            foreach (var cmdlet in new[] { "Get-SkyJob", "Stop-SkyJob" })
            {
                var matches = session.Run("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches", cmdlet + " -JobId " + id[..1]).ShouldSucceed().Output;
                var match = matches.Should().Contain(m => m.Text("CompletionText") == id, cmdlet).Subject;
                match.Text("ListItemText").Should().Contain("completion-probe");
            }
        }
    }

    [Fact]
    public void Fingerprint_completes_from_the_cached_identities()
    {
        using var env = world.UseGcp();
        session.Run("Test-SkyCloud gcp").ShouldSucceed();
        var fingerprint = session.Run("(Get-SkyCache)[0].Fingerprint").ShouldSucceed().Output.Single().ToString();

        var matches = session.Run("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches", "Clear-SkyCache -Fingerprint " + fingerprint[..4]).ShouldSucceed().Output;

        var match = matches.Should().ContainSingle().Subject;
        match.Text("CompletionText").Should().Be(fingerprint);
        match.Text("ToolTip").Should().Contain(world.Jobs.Email).And.Contain("compute").And.Contain("storage");
    }

    [Theory]
    [MemberData(nameof(EveryCmdlet))]
    public void Get_Help_Full_shows_the_staged_help(string cmdlet)
    {
        const string script = """
            $help = Get-Help $args[0] -Full
            $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
            $described = @{}
            foreach ($parameter in @($help.parameters.parameter)) { $described[$parameter.name] = ($parameter.description | Out-String).Trim() }
            [pscustomobject]@{
                Synopsis    = "$($help.Synopsis)".Trim()
                Description = ($help.description | Out-String).Trim()
                Undescribed = @((Get-Command $args[0]).Parameters.Keys | Where-Object { $_ -notin $common -and -not $described[$_] })
                Examples    = @($help.examples.example | Where-Object { "$($_.code)".Trim() }).Count
                Text        = $help | Out-String -Width 120
            }
            """;

        var help = session.Run(script, cmdlet).ShouldSucceed().Output.Single();

        help.Text("Synopsis").Should().NotBeNullOrWhiteSpace().And.NotContain("[-", "an auto-generated synopsis is the syntax line: the staged help was not found");
        help.Text("Description").Should().NotBeNullOrWhiteSpace();
        help.Strings("Undescribed").Should().BeEmpty("every parameter is described");
        ((int)help.Get("Examples")!).Should().BeGreaterThanOrEqualTo(1);
        help.Text("Text").Should().Contain("Example 1").And.Contain("PARAMETERS");
    }

    public static TheoryData<string, string[]> Views() => new()
    {
        { "Test-SkyCloud gcp", ["Cloud", "Compute", "Storage", "Cached", "Identity", "GCP", "Allowed", "deployer@project-a", "[project_id=project-a]"] },
        { "Get-SkyCloudIdentity -Cloud gcp", ["Cloud", "Account", "Project", "CredentialType", "GCP", "project-a", "service_account", "deployer@project-a"] },
        { "Test-SkyCloud gcp | Out-Null; Get-SkyCache", ["Cloud", "Capability", "Status", "Valid", "Identity (why not valid)", "Compute", "Storage", "True"] },
        { "Update-SkyNebiusCredential", ["Valid", "Status", "TenantId", "Identity", "CredentialType", "Source", "ExpectedExpiry", "Written", "Reason", "Hint", "tenant-e00test0001", "ada@example.com"] },
        { "Set-Location (Split-Path $args[1]); Submit-SkyJob -Path $args[1] -Name view-probe", ["JobId", "Name", "Status", "Submitted", "FailureReason", "view-probe"] },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public async Task The_default_view_at_120_columns_shows_the_key_columns(string script, string[] expected)
    {
        var (env, arguments) = await UseEverythingAsync();
        using (env)
        {
            var text = session.Run("& { " + script + " } @args | Out-String -Width 120", arguments).ShouldSucceed().Output.Single().ToString();

            text.Should().ContainAll(expected);
            text.Split('\n').Should().OnlyContain(line => line.TrimEnd().Length <= 120);
        }
    }

    [Fact]
    public async Task The_identity_view_at_120_columns_shows_the_whole_account()
    {
        var (env, arguments) = await UseEverythingAsync();
        using (env)
        {
            var text = session.Run("Get-SkyCloudIdentity -Cloud gcp | Out-String -Width 120", arguments).ShouldSucceed().Output.Single().ToString();

            text.Should().Contain(world.Jobs.Email);
        }
    }

    [Fact]
    public void The_cache_view_shows_each_identity_once()
    {
        using var env = world.UseGcp();

        var text = session.Run("Test-SkyCloud gcp | Out-Null; Get-SkyCache | Out-String -Width 120").ShouldSucceed().Output.Single().ToString();

        text.Should().NotContain("{");
        text.Split(world.Jobs.Email).Should().HaveCount(3, "two entries, each naming its identity once");
    }
}
