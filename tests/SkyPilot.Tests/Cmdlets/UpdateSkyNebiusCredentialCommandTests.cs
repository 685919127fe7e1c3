using System.Management.Automation;
using System.Security;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Nebius;
using SkyPilot.PowerShell.Commands;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Cmdlets;

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class UpdateSkyNebiusCredentialCommandTests : IAsyncLifetime
{
    private NebiusWorld _world = null!;
    private readonly List<string> _secrets = [];

    public async Task InitializeAsync() => _world = await NebiusWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task<string> TokenAsync(bool expired = false, string tenant = NebiusWorld.Tenant)
    {
        var token = await _world.IssueTokenAsync(tenant, expired: expired);
        _secrets.Add(token);
        return token;
    }

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    private RecordingSink Run(SkyPilot.PowerShell.Infrastructure.SkyCmdlet command, bool approve = true)
    {
        var sink = new RecordingSink { Approve = approve };
        using (new ProcessEnvironment(_world.Variables))
        {
            command.Invoke(sink);
        }

        // No token, in any form, reaches any stream or output object.
        var text = sink.AllText().ToList();
        foreach (var secret in _secrets.Where(s => s.Length >= 20))
        {
            var fragment = secret.Substring(3, 17);
            text.Should().NotContain(t => t.Contains(fragment));
        }

        return sink;
    }

    private string Hash(string path) => File.Exists(path) ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))) : "<none>";

    [Fact]
    public async Task The_long_lived_process_scenario_needs_no_restart()
    {
        // Token A works.
        _world.WriteTenant(NebiusWorld.Tenant + "\n");
        _world.WriteToken(await TokenAsync() + "\n");
        var first = (CloudCheckResult)Run(new TestSkyCloudCommand { Cloud = ["nebius"] }).Output.Single();
        first.Compute!.Allowed.Should().BeTrue(first.Compute.Reason);

        // The file is replaced by expired token B: the next check, without -Refresh, says expired.
        var expiredJwt = await _world.IssueExpiredJwtAsync();
        _secrets.Add(expiredJwt);
        _world.WriteToken(expiredJwt + "\n");
        var second = (CloudCheckResult)Run(new TestSkyCloudCommand { Cloud = ["nebius"] }).Output.Single();
        second.FromCache.Should().BeFalse();
        second.Compute!.Status.Should().Be(CheckStatus.CredentialsExpired);

        // Update with token C: OK, and the file holds C, owner-only.
        var c = await TokenAsync();
        var sink = Run(new UpdateSkyNebiusCredentialCommand { Token = Secure(c) });
        sink.Errors.Should().BeEmpty();
        var status = sink.Output.Should().ContainSingle().Which.Should().BeOfType<NebiusCredentialStatus>().Subject;
        status.Valid.Should().BeTrue(status.Reason);
        status.Written.Should().BeTrue();
        status.TenantId.Should().Be(NebiusWorld.Tenant);
        status.Identity.Should().Be("ada@example.com");
        status.ExpectedExpiry.Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(12), TimeSpan.FromMinutes(1));
        File.ReadAllText(_world.TokenFile).Trim().Should().Be(c);
        File.GetUnixFileMode(_world.TokenFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // And the check that follows is served from the result the update cached.
        var third = (CloudCheckResult)Run(new TestSkyCloudCommand { Cloud = ["nebius"], Capability = [Capability.Compute] }).Output.Single();
        third.FromCache.Should().BeTrue();
        third.Compute!.Allowed.Should().BeTrue();
    }

    [Fact]
    public async Task A_token_the_api_rejects_leaves_the_old_files_byte_identical()
    {
        _world.WriteTenant(NebiusWorld.Tenant);
        _world.WriteToken(await TokenAsync());
        var (token, tenant) = (Hash(_world.TokenFile), Hash(_world.TenantFile));

        var sink = Run(new UpdateSkyNebiusCredentialCommand { Token = Secure(await TokenAsync(expired: true)) });

        var error = sink.Errors.Should().ContainSingle().Subject;
        error.ErrorId.Should().Be("CredentialRejectedApi");
        error.Category.Should().Be(ErrorCategory.AuthenticationError);
        error.Exception.Message.Should().Contain("Nothing was written");
        error.RecommendedAction.Should().Contain("nebius iam get-access-token");
        sink.Output.Should().BeEmpty();
        (Hash(_world.TokenFile), Hash(_world.TenantFile)).Should().Be((token, tenant));
    }

    [Fact]
    public async Task A_token_for_another_tenant_is_refused_even_with_Force()
    {
        _world.WriteTenant(NebiusWorld.Tenant);
        var before = Hash(_world.TokenFile);

        var sink = Run(new UpdateSkyNebiusCredentialCommand { Token = Secure(await TokenAsync(tenant: NebiusWorld.OtherTenant)), ForceRequested = true });

        sink.Errors.Should().ContainSingle().Which.Exception.Message.Should().Contain("no access to tenant");
        Hash(_world.TokenFile).Should().Be(before);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("v0.two words", "contains spaces")]
    [InlineData("v0.line\nsecond", "more than one line")]
    [InlineData("v0.bell\u0007", "not printable")]
    public void Malformed_tokens_are_refused_at_the_format_step(string token, string why)
    {
        var sink = Run(new UpdateSkyNebiusCredentialCommand { Token = Secure(token), TenantId = NebiusWorld.Tenant });

        var error = sink.Errors.Should().ContainSingle().Subject;
        error.ErrorId.Should().Be("CredentialRejectedFormat");
        error.Category.Should().Be(ErrorCategory.InvalidArgument);
        error.Exception.Message.Should().Contain(why);
        File.Exists(_world.TokenFile).Should().BeFalse();
    }

    [Fact]
    public async Task An_unknown_prefix_is_a_warning_not_an_error()
    {
        var token = "zz9." + Guid.NewGuid().ToString("N");
        _secrets.Add(token);
        await _world.Server.AddTokenAsync(token, NebiusWorld.Tenant, "useraccount-e00ada", "ada@example.com");

        var sink = Run(new UpdateSkyNebiusCredentialCommand { Token = Secure(token), TenantId = NebiusWorld.Tenant });

        sink.Errors.Should().BeEmpty();
        sink.Warnings.Should().Contain(w => w.Contains("known Nebius prefix"));
        ((NebiusCredentialStatus)sink.Output.Single()).Valid.Should().BeTrue();
    }

    [Fact]
    public async Task A_malformed_tenant_is_refused_at_the_tenant_step()
    {
        var sink = Run(new UpdateSkyNebiusCredentialCommand { Token = Secure(await TokenAsync()), TenantId = "my-tenant" });

        sink.Errors.Should().ContainSingle().Which.ErrorId.Should().Be("CredentialRejectedTenant");
        File.Exists(_world.TokenFile).Should().BeFalse();
    }

    [Fact]
    public async Task An_unreachable_api_writes_nothing_unless_forced()
    {
        _world.Set("NEBIUS_ENDPOINT", "http://127.0.0.1:1");
        var token = await TokenAsync();

        var refused = Run(new UpdateSkyNebiusCredentialCommand { Token = Secure(token), TenantId = NebiusWorld.Tenant });
        refused.Errors.Should().ContainSingle().Which.Category.Should().Be(ErrorCategory.ConnectionError);
        refused.Errors[0].RecommendedAction.Should().Contain("-Force");
        File.Exists(_world.TokenFile).Should().BeFalse();

        var forced = Run(new UpdateSkyNebiusCredentialCommand { Token = Secure(token), TenantId = NebiusWorld.Tenant, ForceRequested = true });
        forced.Errors.Should().BeEmpty();
        forced.Warnings.Should().Contain(w => w.Contains("without validation"));
        File.ReadAllText(_world.TokenFile).Trim().Should().Be(token);
        var status = (NebiusCredentialStatus)forced.Output.Single();
        status.Written.Should().BeTrue();
        status.Valid.Should().BeFalse();
        status.Status.Should().Be(CheckStatus.Unreachable);
    }

    [Fact]
    public async Task WhatIf_validates_but_writes_nothing()
    {
        var sink = Run(new UpdateSkyNebiusCredentialCommand { Token = Secure(await TokenAsync()), TenantId = NebiusWorld.Tenant }, approve: false);

        sink.ShouldProcessCalls.Should().ContainSingle().Which.Target.Should().Contain("NEBIUS_IAM_TOKEN.txt").And.Contain("NEBIUS_TENANT_ID.txt");
        File.Exists(_world.TokenFile).Should().BeFalse();
        File.Exists(_world.TenantFile).Should().BeFalse();
    }

    [Fact]
    public async Task Without_arguments_it_re_reads_and_re_validates_now()
    {
        _world.WriteTenant(NebiusWorld.Tenant);
        _world.WriteToken(await TokenAsync());
        Run(new TestSkyCloudCommand { Cloud = ["nebius"] });
        var callsBefore = (await _world.Server.CallsAsync()).Count;

        var sink = Run(new UpdateSkyNebiusCredentialCommand());

        var status = (NebiusCredentialStatus)sink.Output.Single();
        status.Valid.Should().BeTrue();
        status.Written.Should().BeFalse();
        status.Source.Should().Be(_world.TokenFile);
        (await _world.Server.CallsAsync()).Count.Should().BeGreaterThan(callsBefore, "the refresh bypasses the cache");
    }

    [Fact]
    public async Task FromCli_runs_the_nebius_cli_and_takes_the_tenant_from_whoami()
    {
        var token = await TokenAsync();
        var cli = _world.Temp.WriteFile("bin/nebius", $$$"""
            #!/bin/sh
            if [ "$1" = "iam" ] && [ "$2" = "get-access-token" ]; then echo "{{{token}}}"; exit 0; fi
            if [ "$3" = "iam" ] && [ "$4" = "whoami" ]; then echo '{"user_profile":{"id":"useraccount-e00ada","tenants":[{"tenant_id":"{{{NebiusWorld.Tenant}}}"}]}}'; exit 0; fi
            echo "unexpected: $*" >&2; exit 3
            """);
        File.SetUnixFileMode(cli, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _world.Set("SKYPILOT_PS_NEBIUS_CLI", cli);

        var sink = Run(new UpdateSkyNebiusCredentialCommand { FromCliRequested = true });

        sink.Errors.Should().BeEmpty();
        ((NebiusCredentialStatus)sink.Output.Single()).Valid.Should().BeTrue();
        File.ReadAllText(_world.TokenFile).Trim().Should().Be(token);
        File.ReadAllText(_world.TenantFile).Trim().Should().Be(NebiusWorld.Tenant);
    }

    [Fact]
    public void FromCli_with_no_cli_installed_is_a_clear_error()
    {
        _world.Set("SKYPILOT_PS_NEBIUS_CLI", _world.Temp.Combine("no-such-nebius"));

        var sink = Run(new UpdateSkyNebiusCredentialCommand { FromCliRequested = true });

        var error = sink.Errors.Should().ContainSingle().Subject;
        error.ErrorId.Should().Be("CredentialRejectedCli");
        error.Exception.Message.Should().Contain("could not be started");
        error.RecommendedAction.Should().Contain("SKYPILOT_PS_NEBIUS_CLI");
    }

    [Fact]
    public void FromCli_that_fails_reports_its_stderr()
    {
        var cli = _world.Temp.WriteFile("bin/nebius", "#!/bin/sh\necho 'profile not configured' >&2\nexit 1\n");
        File.SetUnixFileMode(cli, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _world.Set("SKYPILOT_PS_NEBIUS_CLI", cli);

        var sink = Run(new UpdateSkyNebiusCredentialCommand { FromCliRequested = true });

        sink.Errors.Should().ContainSingle().Which.Exception.Message.Should().Contain("exit code 1").And.Contain("profile not configured");
    }
}
