using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>Every cmdlet, driven with known secrets in play and every stream on: none of them may reach any stream or output object.</summary>
[Collection(EngineCollection.Name)]
public sealed class RedactionTests(EngineWorld world, SharedSession session) : IClassFixture<SharedSession>
{
    private readonly string _skyToken = "sky_test_" + Guid.NewGuid().ToString("N");
    private readonly string _nebiusToken = "v0." + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    [Fact]
    public void No_secret_appears_in_any_stream_of_any_cmdlet()
    {
        var home = world.FreshHome(withJobsConfig: true);
        Directory.CreateDirectory(Path.Combine(home, ".nebius"));
        File.WriteAllText(Path.Combine(home, ".nebius", "NEBIUS_IAM_TOKEN.txt"), _nebiusToken + "\n");
        File.WriteAllText(Path.Combine(home, ".nebius", "NEBIUS_TENANT_ID.txt"), "tenant-e00redact\n");
        var task = world.Jobs.WriteTask();
        var launches = world.Jobs.Api.Launches.Count;
        var (mode, accepted) = (world.Jobs.Api.AuthMode, world.Jobs.Api.ServiceAccountToken);
        world.Jobs.Api.AuthMode = FakeSkyAuthMode.ServiceAccountToken;
        world.Jobs.Api.ServiceAccountToken = _skyToken;
        var texts = new List<string>();
        try
        {
            using var env = world.UseGcp(
                ("HOME", home),
                ("SKYPILOT_SERVICE_ACCOUNT_TOKEN", _skyToken),
                ("NEBIUS_ENDPOINT", "http://127.0.0.1:1"),
                ("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "2"));
            foreach (var script in new[]
            {
                "Test-SkyCloud",
                "Test-SkyCloud -Refresh",
                "Get-SkyCloudIdentity",
                "Get-SkyCache",
                "Set-Location (Split-Path $args[0]); Submit-SkyJob -Path $args[0] -WhatIf",
                "Set-Location (Split-Path $args[0]); $job = Submit-SkyJob -Path $args[0]; $job; Get-SkyJob; Stop-SkyJob -JobId $job.JobId -PassThru",
                "Update-SkyNebiusCredential",
                "Update-SkyNebiusCredential -Token $args[1] -Force",
                "Clear-SkyCache -PassThru",
            })
            {
                // Verbose and debug on for every cmdlet of the script, as -Verbose -Debug would be.
                var everyStream = "& { $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; " + script + " } @args";
                texts.Add(session.Run(everyStream, task, EngineTestExtensions.Secure(_nebiusToken)).Rendered());
            }
        }
        finally
        {
            (world.Jobs.Api.AuthMode, world.Jobs.Api.ServiceAccountToken) = (mode, accepted);
        }

        // The runs really exercised the secrets: HTTP was traced, a job was submitted with the token.
        var text = string.Join("\n", texts);
        text.Should().Contain("HTTP POST").And.Contain("testIamPermissions");
        world.Jobs.Api.Launches.Skip(launches).Should().NotBeEmpty().And.OnlyContain(l => l.Header("Authorization") == "Bearer " + _skyToken);
        var privateKeyLine = File.ReadAllText(world.Gcp.KeyPath("deployer")).Split("\\n")[1];
        foreach (var secret in new[] { _skyToken, _nebiusToken, _nebiusToken[3..40], privateKeyLine, "fake-" })
        {
            text.Should().NotContain(secret, "'" + secret[..Math.Min(12, secret.Length)] + "...' leaked");
        }
    }
}
