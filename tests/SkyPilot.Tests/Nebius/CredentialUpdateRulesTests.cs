using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SkyPilot.Core;
using SkyPilot.Core.Nebius;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Nebius;

/// <summary>The rules Update-SkyNebiusCredential applies before it writes: when the CLI is asked for a tenant, and NEBIUS_IAM_TOKEN's precedence.</summary>
public sealed class CredentialUpdateRulesTests : IDisposable
{
    private const string Tenant = "tenant-e00test0001";
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _variables = new();

    public CredentialUpdateRulesTests()
    {
        _variables["SKYPILOT_PS_CACHE_DIR"] = _temp.Combine("state");
    }

    public void Dispose() => _temp.Dispose();

    private string Home => _temp.Combine("home");

    private string TenantFile => Path.Combine(Home, ".nebius", "NEBIUS_TENANT_ID.txt");

    private SkyEnvironment Env() => new(_variables, Home, isWindows: false);

    private void WriteTenantFile(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TenantFile)!);
        File.WriteAllText(TenantFile, content);
    }

    [Fact]
    public void A_given_tenant_is_never_asked_of_the_cli()
    {
        NebiusCredentialManager.NeedsTenantFromCli(Env(), Tenant).Should().BeFalse();
        NebiusCredentialManager.NeedsTenantFromCli(Env(), "not-a-tenant").Should().BeFalse("a given tenant is validated, not replaced");
    }

    [Fact]
    public void A_usable_tenant_file_is_kept()
    {
        WriteTenantFile("\uFEFF" + Tenant + "\r\n");

        NebiusCredentialManager.NeedsTenantFromCli(Env(), null).Should().BeFalse();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("project-e00abc\n")]
    [InlineData("v0.a-token-in-the-wrong-file-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")]
    public void A_missing_empty_or_malformed_tenant_file_asks_the_cli(string? content)
    {
        if (content != null)
        {
            WriteTenantFile(content);
        }

        NebiusCredentialManager.NeedsTenantFromCli(Env(), null).Should().BeTrue();
    }

    [Fact]
    public void A_huge_tenant_file_is_not_read_and_asks_the_cli()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TenantFile)!);
        using (var file = File.Create(TenantFile))
        {
            file.SetLength(150L * 1024 * 1024);
        }

        NebiusCredentialManager.NeedsTenantFromCli(Env(), null).Should().BeTrue();
    }

    [Fact]
    public void A_fifo_as_the_tenant_file_is_not_opened_and_asks_the_cli()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(TenantFile)!);
        Process.Start("mkfifo", TenantFile)!.WaitForExit();

        var decided = Task.Run(() => NebiusCredentialManager.NeedsTenantFromCli(Env(), null));

        decided.Wait(TimeSpan.FromSeconds(10)).Should().BeTrue("a FIFO with no writer would block a plain read");
        decided.Result.Should().BeTrue();
    }

    [Fact]
    public void NEBIUS_IAM_TOKEN_is_named_only_when_a_token_is_written_while_it_is_set()
    {
        NebiusCredentialManager.EnvironmentTokenWarning(Env(), "v0.new").Should().BeNull();
        _variables["NEBIUS_IAM_TOKEN"] = "v0.from-env-secret";

        NebiusCredentialManager.EnvironmentTokenWarning(Env(), null).Should().BeNull("writing only the tenant is not shadowed");
        NebiusCredentialManager.EnvironmentTokenWarning(Env(), "v0.new").Should()
            .Be("NEBIUS_IAM_TOKEN is set and takes precedence over the token file just written; remove it ('Remove-Item Env:NEBIUS_IAM_TOKEN') to use the file")
            .And.NotContain("from-env-secret");
    }

    [Fact]
    public async Task Nothing_to_write_is_a_plain_refresh()
    {
        var manager = new NebiusCredentialManager(NebiusCloudChecker.DefaultCaller(NullSkyLog.Instance));

        (await manager.PrepareAsync(Env(), null, null, fromCli: false, allowUnreachable: false, default)).Should().BeNull();
    }

    [Fact]
    public async Task A_forced_update_lists_its_targets_then_the_validation_and_precedence_warnings()
    {
        _variables["NEBIUS_IAM_TOKEN"] = "v0.from-env-secret";
        _variables["NEBIUS_ENDPOINT"] = "http://127.0.0.1:" + ClosedPort();
        _variables["SKYPILOT_PS_HTTP_TIMEOUT_SECONDS"] = "5";
        var manager = new NebiusCredentialManager(NebiusCloudChecker.DefaultCaller(NullSkyLog.Instance));

        var update = (await manager.PrepareAsync(Env(), "v0.new-token\n", Tenant, fromCli: false, allowUnreachable: true, default))!;

        update.Targets.Should().Equal(Path.Combine(Home, ".nebius", "NEBIUS_IAM_TOKEN.txt"), TenantFile);
        update.TenantId.Should().Be(Tenant);
        update.Warnings.Should().HaveCount(2);
        update.Warnings[0].Should().StartWith("written without validation: ");
        update.Warnings[1].Should().StartWith("NEBIUS_IAM_TOKEN is set and takes precedence");
        manager.Write(Env(), update).Should().Equal(update.Targets);
        File.ReadAllText(update.Targets[0]).Should().Be("v0.new-token\n");
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
