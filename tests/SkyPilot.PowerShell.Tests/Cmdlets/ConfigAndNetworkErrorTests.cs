using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>Issue 11 items 1 and 3: a malformed config never redirects a job; "could not ask" is not "denied".</summary>
[Collection(EngineCollection.Name)]
public sealed class ConfigAndNetworkErrorTests(EngineWorld world) : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    private string MalformedConfig() =>
        world.Gcp.Temp.WriteFile(Path.Combine("configs", "bad-" + Guid.NewGuid().ToString("N")[..6] + ".yaml"), "jobs:\n  bucket: gs://demo-jobs/pester\n  oops: [\n");

    [Fact]
    public void Submit_with_a_malformed_config_is_InvalidConfiguration_before_anything_is_created_or_uploaded()
    {
        var config = MalformedConfig();
        using var env = world.UseGcp(("SKYPILOT_CONFIG", config));
        var task = world.Jobs.WriteTask();
        var googleBefore = world.Gcp.Server.Requests.Count;
        var launchesBefore = world.Jobs.Api.CountRequests("/jobs/launch");

        var result = _session.Run("Set-Location $args[1]; Submit-SkyJob -Path $args[0] -WarningVariable w; $w", task, world.Jobs.TaskDirectory);

        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("InvalidConfiguration,");
        error.CategoryInfo.Category.Should().Be(ErrorCategory.InvalidData);
        error.TargetObject.Should().Be(config);
        error.Exception.Message.Should().Contain(config).And.Contain("not valid YAML");
        error.Exception.Message.Should().MatchRegex(@"\.yaml:\d+:\d+: ");
        error.ErrorDetails.RecommendedAction.Should().MatchRegex(@"at line \d+");
        world.Gcp.Server.Requests.Count.Should().Be(googleBefore, "nothing may be checked, created or uploaded");
        world.Jobs.Api.CountRequests("/jobs/launch").Should().Be(launchesBefore);
        result.Output.Where(o => o.BaseObject is not string).Should().BeEmpty();
    }

    [Theory]
    [InlineData("Get-SkyJob")]
    [InlineData("Stop-SkyJob -JobId 1 -Confirm:$false")]
    [InlineData("Get-SkyJobLog -JobId 1")]
    [InlineData("Wait-SkyJob -JobId 1 -Timeout 5")]
    [InlineData("Get-SkyApiServer")]
    public void A_cmdlet_of_the_API_server_with_a_malformed_config_is_InvalidConfiguration_and_asks_no_server(string script)
    {
        var config = MalformedConfig();
        using var env = world.UseGcp(("SKYPILOT_CONFIG", config));
        var calls = world.Jobs.Api.Calls.Count;

        var result = _session.Run(script);

        var error = result.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("InvalidConfiguration,");
        error.TargetObject.Should().Be(config);
        world.Jobs.Api.Calls.Count.Should().Be(calls, "the server SKYPILOT_API_SERVER_ENDPOINT names is not asked either");
        result.Output.Should().BeEmpty();
    }

    [Fact]
    public void Test_SkyCloud_with_a_malformed_config_still_checks_and_warns_naming_the_file()
    {
        var config = MalformedConfig();
        using var env = world.UseGcp(("SKYPILOT_CONFIG", config));

        var result = _session.Run("Test-SkyCloud gcp").ShouldSucceed();

        ((bool)result.Value().Compute.Allowed).Should().BeTrue();
        result.Warnings.Should().Contain(w => w.Contains(config) && w.Contains("line "));
    }

    [Fact]
    public async Task A_silent_Resource_Manager_is_ConnectionError_for_Submit_and_a_warning_for_Test_SkyCloud()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await silent.AcceptTcpClientAsync());
                }
            }
            catch (Exception)
            {
                // stopped
            }
        });
        var url = "http://127.0.0.1:" + ((IPEndPoint)silent.LocalEndpoint).Port + "/";
        using var env = world.UseGcp(
            ("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER", url),
            ("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "1"),
            ("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "1"));
        var task = world.Jobs.WriteTask();

        var check = _session.Run("Test-SkyCloud gcp -Capability Compute").ShouldSucceed();
        var submit = _session.Run("Set-Location $args[1]; Submit-SkyJob -Path $args[0]", task, world.Jobs.TaskDirectory);
        silent.Stop();
        await accepting;
        accepted.ForEach(c => c.Dispose());

        ((string)check.Value().Compute.Status.ToString()).Should().Be("Unreachable");
        check.Warnings.Should().Contain(w => w.Contains("GCP compute could not be checked"));
        var error = submit.AllErrors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().StartWith("PrecheckUnreachable,");
        error.CategoryInfo.Category.Should().Be(ErrorCategory.ConnectionError);
    }

    [Fact]
    public void A_denial_writes_no_could_not_check_warning()
    {
        using var env = world.UseGcp(("GOOGLE_APPLICATION_CREDENTIALS", world.Gcp.KeyPath("storage-only")));

        var check = _session.Run("Test-SkyCloud gcp -Capability Compute").ShouldSucceed();

        ((string)check.Value().Compute.Status.ToString()).Should().Be("MissingPermissions");
        check.Warnings.Should().NotContain(w => w.Contains("could not be checked"));
    }
}
