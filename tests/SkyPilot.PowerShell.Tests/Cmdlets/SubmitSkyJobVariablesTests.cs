using System.Management.Automation;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// Issue 12: Submit-SkyJob -Env -EnvFile -Secret through the real engine: SkyPilot's precedence, required values,
/// secrets in no stream, error or file, and env as part of the same-submission marker (issue 10 item 2).
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class SubmitSkyJobVariablesTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    private Invocation InProject(string script, params object?[] arguments) =>
        _session.Run("Set-Location -LiteralPath $args[0]; " + script, new object?[] { world.Jobs.TaskDirectory }.Concat(arguments).ToArray());

    private string WriteTask(string name, string variables) =>
        world.Gcp.Temp.WriteFile(Path.Combine("project", name + ".yaml"), "name: " + name + "\nresources:\n  infra: gcp\n" + variables + "run: echo\n");

    private RecordedLaunch LastLaunch(string name) => world.Jobs.Api.Launches.Last(l => l.Name == name);

    [Fact]
    public void Envs_follow_SkyPilots_precedence_task_then_env_file_then_parameter_and_secrets_override_the_tasks()
    {
        using var env = world.UseGcp(("VARS_TEST_FROM_ENV", "secret-from-env-" + Guid.NewGuid().ToString("N")[..6]));
        var task = WriteTask("vars-precedence", "envs:\n  A: task-a\n  B: task-b\n  C: task-c\nsecrets:\n  S1: task-s1\n  VARS_TEST_FROM_ENV: null\n");
        var envFile = world.Gcp.Temp.WriteFile(Path.Combine("project", "vars.env"), "# comment\nexport B=file-b\nC='file-c'\nD=\"file\\nd\"\n");

        InProject("Submit-SkyJob -LiteralPath $args[1] -EnvFile ./vars.env -Env @{ C = 'param-c'; E = 5 } -Secret @{ S1 = (ConvertTo-SecureString 'param-s1' -AsPlainText -Force) }, VARS_TEST_FROM_ENV", task).ShouldSucceed();

        var yaml = LastLaunch("vars-precedence").TaskYaml;
        yaml.Should().Contain("A: \"task-a\"").And.Contain("B: \"file-b\"").And.Contain("C: \"param-c\"").And.Contain("D: \"file\\nd\"").And.Contain("E: \"5\"");
        yaml.Should().Contain("S1: \"param-s1\"").And.Contain("VARS_TEST_FROM_ENV: \"" + Environment.GetEnvironmentVariable("VARS_TEST_FROM_ENV") + "\"");
        envFile.Should().NotBeNull();
    }

    [Fact]
    public void Values_the_task_leaves_empty_must_be_given_and_the_error_names_each()
    {
        using var env = world.UseGcp();
        var task = WriteTask("vars-required", "envs:\n  HF_TOKEN:\n  EMPTY_OK: \"\"\n  SET: x\nsecrets:\n  WANDB_KEY: null\n");
        var launches = world.Jobs.Api.Launches.Count;
        var calls = world.Jobs.Api.Calls.Count;

        var missing = InProject("Submit-SkyJob -LiteralPath $args[1]", task);
        var whatIf = InProject("Submit-SkyJob -LiteralPath $args[1] -WhatIf", task);

        var error = missing.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().Be(EngineTestExtensions.ErrorId("MissingTaskVariable", "Submit-SkyJob"));
        error.CategoryInfo.Category.Should().Be(ErrorCategory.InvalidArgument);
        error.Exception.Message.Should().Contain("HF_TOKEN (envs)").And.Contain("WANDB_KEY (secrets)").And.NotContain("EMPTY_OK").And.NotContain("SET");
        error.ErrorDetails.RecommendedAction.Should().Contain("-Env").And.Contain("-Secret");
        whatIf.AllErrors.Should().ContainSingle().Which.FullyQualifiedErrorId.Should().StartWith("MissingTaskVariable,");
        world.Jobs.Api.Launches.Count.Should().Be(launches);
        world.Jobs.Api.Calls.Count.Should().Be(calls, "nothing is checked before the task is complete");

        var envFile = world.Gcp.Temp.WriteFile(Path.Combine("project", "hf.env"), "HF_TOKEN=from-file\n");
        InProject("Submit-SkyJob -LiteralPath $args[1] -EnvFile $args[2] -Secret @{ WANDB_KEY = (ConvertTo-SecureString 'w-key' -AsPlainText -Force) }", task, envFile).ShouldSucceed();
        InProject("Submit-SkyJob -LiteralPath $args[1] -Env @{ HF_TOKEN = 'p' } -Secret @{ HF_TOKEN = (ConvertTo-SecureString 'hf-secret' -AsPlainText -Force); WANDB_KEY = (ConvertTo-SecureString 'w-key' -AsPlainText -Force) }", task).ShouldSucceed();
        var launched = LastLaunch("vars-required").TaskYaml;
        launched.Should().Contain("EMPTY_OK: \"\"").And.Contain("HF_TOKEN: \"hf-secret\"", "a secret of the same name supplies the value").And.NotContain("HF_TOKEN: \"p\"");
    }

    [Fact]
    public void Env_file_and_secret_name_problems_are_clear_errors()
    {
        using var env = world.UseGcp(("VARS_TEST_UNSET", null));
        var task = WriteTask("vars-errors", string.Empty);
        var badFile = world.Gcp.Temp.WriteFile(Path.Combine("project", "bad.env"), "GOOD=1\nthis line hides value-abc123\n");

        var noFile = InProject("Submit-SkyJob -LiteralPath $args[1] -EnvFile ./no-such.env", task).AllErrors.Should().ContainSingle().Subject;
        var badLine = InProject("Submit-SkyJob -LiteralPath $args[1] -EnvFile $args[2]", task, badFile).AllErrors.Should().ContainSingle().Subject;
        var unset = InProject("Submit-SkyJob -LiteralPath $args[1] -Secret VARS_TEST_UNSET", task).AllErrors.Should().ContainSingle().Subject;

        noFile.FullyQualifiedErrorId.Should().StartWith("InvalidEnvFile,");
        noFile.CategoryInfo.Category.Should().Be(ErrorCategory.ObjectNotFound);
        badLine.FullyQualifiedErrorId.Should().StartWith("InvalidEnvFile,");
        badLine.Exception.Message.Should().Contain("bad.env:2").And.NotContain("value-abc123");
        unset.FullyQualifiedErrorId.Should().StartWith("SecretNotInEnvironment,");
        unset.TargetObject.Should().Be("VARS_TEST_UNSET");
    }

    [Fact]
    public async Task A_secret_appears_in_no_stream_error_WhatIf_text_or_file()
    {
        var secret = "sk-" + Guid.NewGuid().ToString("N");
        var fromEnvironment = "env-" + Guid.NewGuid().ToString("N");
        var home = world.FreshHome(withJobsConfig: true);
        using var env = world.UseGcp(("HOME", home), ("VARS_TEST_SECRET", fromEnvironment));
        var cache = Environment.GetEnvironmentVariable("SKYPILOT_PS_CACHE_DIR")!;
        var task = WriteTask("vars-secret", "secrets:\n  API_KEY: null\n");
        const string Submit = "Submit-SkyJob -LiteralPath $args[1] -Secret @{ API_KEY = $args[2] }, VARS_TEST_SECRET -Env @{ PLAIN = 'visible' }";
        var secure = EngineTestExtensions.Secure(secret);

        var submitted = InProject("$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; " + Submit, task, secure).ShouldSucceed();
        var whatIf = InProject(Submit + " -WhatIf", task, secure);
        world.Jobs.Api.FailNextLaunch("ValueError", "bad secret API_KEY=" + secret + " and " + fromEnvironment);
        var failed = InProject(Submit, task, secure);
        var variables = world.Gcp.Variables.ToDictionary(v => v.Key, v => (string?)v.Value);
        variables["HOME"] = home;
        variables["SKYPILOT_PS_CACHE_DIR"] = cache;
        variables["VARS_TEST_SECRET"] = fromEnvironment;
        variables["SKY_MODULE"] = PowerShellSession.ModuleManifest;
        variables["SKY_TASK"] = task;
        var console = await Pwsh.RunAsync(["-Command", "Import-Module $env:SKY_MODULE; Set-Location (Split-Path $env:SKY_TASK); Submit-SkyJob -LiteralPath $env:SKY_TASK -Secret VARS_TEST_SECRET, @{ API_KEY = (ConvertTo-SecureString $env:VARS_TEST_SECRET -AsPlainText -Force) } -WhatIf -Verbose"], variables);

        LastLaunch("vars-secret").TaskYaml.Should().Contain("API_KEY: \"" + secret + "\"", "the server gets the secret in the task, as SkyPilot sends it");
        submitted.Verbose.Should().Contain(v => v.Contains("secrets API_KEY, VARS_TEST_SECRET (values not shown)"));
        submitted.Debug.Should().NotBeEmpty();
        whatIf.ShouldSucceed().Verbose.Should().NotBeEmpty();
        var error = failed.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("RequestFailed,");
        error.Exception.Message.Should().Contain("bad secret API_KEY=[redacted]");
        console.StandardOutput.Should().Contain("What if:", console.ToString());
        foreach (var text in new[] { submitted.Rendered(), whatIf.Rendered(), failed.Rendered(), console.StandardOutput + console.StandardError })
        {
            text.Should().NotContain(secret).And.NotContain(fromEnvironment);
        }

        foreach (var file in Directory.GetFiles(home, "*", SearchOption.AllDirectories).Concat(Directory.Exists(cache) ? Directory.GetFiles(cache, "*", SearchOption.AllDirectories) : []))
        {
            var content = File.ReadAllText(file);
            content.Should().NotContain(secret, file).And.NotContain(fromEnvironment, file);
        }

        Directory.GetFiles(home, "*", SearchOption.AllDirectories).Concat(Directory.GetFiles(cache, "*", SearchOption.AllDirectories))
            .Should().Contain(f => f.EndsWith("powershell-jobs.json", StringComparison.Ordinal), "the job history was written and scanned");
    }

    [Fact]
    public void A_sweep_that_differs_only_in_Env_always_launches_and_only_the_same_submission_is_recovered()
    {
        var home = world.FreshHome(withJobsConfig: true);
        using var proxy = new ProxyScope(FaultProxy.Start(world.Jobs.Api.BaseUrl));
        using var env = world.UseGcp(("HOME", home), ("SKYPILOT_API_SERVER_ENDPOINT", proxy.Proxy.BaseUrl), ("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "1"));
        var task = WriteTask("vars-sweep", "envs:\n  LR: \"0.1\"\n");
        var launches = world.Jobs.Api.Launches.Count(l => l.Name == "vars-sweep");

        // The launch reaches the server, its answer is a gateway's error page, and the lookup fails too: outcome unknown.
        proxy.Proxy.Inject("POST", "/jobs/launch", new ProxyFault.ForwardThenAnswer(504));
        proxy.Proxy.Inject("GET", "/api/status?all_status=true", new ProxyFault.ForwardThenAnswer(503, "<html>Service Unavailable</html>"));
        var unknown = InProject("Submit-SkyJob -LiteralPath $args[1] -Env @{ LR = '1' }", task);
        unknown.AllErrors.Should().ContainSingle().Which.FullyQualifiedErrorId.Should().StartWith("LaunchOutcomeUnknown,");
        var first = world.Jobs.Api.Launches.Last(l => l.Name == "vars-sweep");

        var other = InProject("Submit-SkyJob -LiteralPath $args[1] -Env @{ LR = '2' }", task).ShouldSucceed();
        var same = InProject("Submit-SkyJob -LiteralPath $args[1] -Env @{ LR = '1' }", task).ShouldSucceed();

        world.Jobs.Api.Launches.Count(l => l.Name == "vars-sweep").Should().Be(launches + 2, "LR=1 once (its retry is recovered), LR=2 once");
        other.Warnings.Should().NotContain(w => w.Contains("already launched"));
        world.Jobs.Api.Launches.Last(l => l.Name == "vars-sweep").TaskYaml.Should().Contain("LR: \"2\"");
        ((long)other.Output.Single().Get("JobId")!).Should().NotBe(first.JobId!.Value);
        same.Warnings.Should().ContainSingle(w => w.Contains("already launched"));
        ((long)same.Output.Single().Get("JobId")!).Should().Be(first.JobId!.Value);
    }

    private sealed class ProxyScope(FaultProxy proxy) : IDisposable
    {
        public FaultProxy Proxy { get; } = proxy;

        public void Dispose() => Proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
