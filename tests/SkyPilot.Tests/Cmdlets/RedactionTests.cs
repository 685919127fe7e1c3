using System.Security;
using SkyPilot.PowerShell.Commands;
using SkyPilot.PowerShell.Infrastructure;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Cmdlets;

/// <summary>Every cmdlet, driven with known secrets in play: none of them may reach any stream or output object.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class RedactionTests : IAsyncLifetime
{
    private JobWorld _world = null!;
    private readonly string _skyToken = "sky_test_" + Guid.NewGuid().ToString("N");
    private readonly string _nebiusToken = "v0." + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
    private readonly List<RecordingSink> _sinks = [];

    public async Task InitializeAsync()
    {
        _world = await JobWorld.StartAsync();
        _world.Api.AuthMode = FakeSkyAuthMode.ServiceAccountToken;
        _world.Api.ServiceAccountToken = _skyToken;
        _world.Gcp.Set("SKYPILOT_SERVICE_ACCOUNT_TOKEN", _skyToken);
        _world.Gcp.Temp.WriteFile(Path.Combine("home", ".nebius", "NEBIUS_IAM_TOKEN.txt"), _nebiusToken + "\n");
        _world.Gcp.Temp.WriteFile(Path.Combine("home", ".nebius", "NEBIUS_TENANT_ID.txt"), "tenant-e00redact\n");
        _world.Gcp.Set("NEBIUS_ENDPOINT", "http://127.0.0.1:1");
        _world.Gcp.Set("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "2");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private RecordingSink Run(SkyCmdlet command, bool approve = true)
    {
        var sink = new RecordingSink { Approve = approve };
        using (new ProcessEnvironment(_world.Gcp.Variables, _world.TaskDirectory))
        {
            command.Invoke(sink);
            if (command is StopSkyJobCommand stop)
            {
                stop.InvokeEnd(sink);
            }
        }

        _sinks.Add(sink);
        return sink;
    }

    [Fact]
    public void No_secret_appears_in_any_stream_of_any_cmdlet()
    {
        var task = _world.WriteTask();
        var secure = new SecureString();
        foreach (var c in _nebiusToken)
        {
            secure.AppendChar(c);
        }

        Run(new TestSkyCloudCommand());
        Run(new TestSkyCloudCommand { RefreshRequested = true });
        Run(new GetSkyCloudIdentityCommand());
        Run(new GetSkyCacheCommand());
        Run(new SubmitSkyJobCommand { Path = [task] }, approve: false);
        Run(new SubmitSkyJobCommand { Path = [task], WaitRequested = true });
        Run(new GetSkyJobCommand());
        Run(new StopSkyJobCommand { JobId = [1], PassThruRequested = true });
        Run(new UpdateSkyNebiusCredentialCommand());
        Run(new UpdateSkyNebiusCredentialCommand { Token = secure, ForceRequested = true });
        Run(new ClearSkyCacheCommand { PassThruRequested = true });

        // The runs really exercised the secrets: HTTP was traced, a job was submitted, the token was sent.
        var text = _sinks.SelectMany(s => s.AllText()).ToList();
        text.Should().Contain(t => t.Contains("HTTP POST") && t.Contains("testIamPermissions"));
        _world.Api.Launches.Should().ContainSingle().Which.Header("Authorization").Should().Be("Bearer " + _skyToken);
        var keyJson = File.ReadAllText(_world.Gcp.KeyPath("deployer"));
        var privateKeyLine = keyJson.Split("\\n")[1];
        foreach (var secret in new[] { _skyToken, _nebiusToken, _nebiusToken[3..40], privateKeyLine, "fake-" })
        {
            text.Should().NotContain(t => t.Contains(secret), "'" + secret[..Math.Min(12, secret.Length)] + "...' leaked");
        }
    }
}
