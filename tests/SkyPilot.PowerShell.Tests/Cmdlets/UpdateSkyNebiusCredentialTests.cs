using System.Management.Automation;
using System.Security.Cryptography;
using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>Each test has a home of its own (so ~/.nebius is private) against the shared real-grpcio Nebius IAM.</summary>
[Collection(EngineCollection.Name)]
public sealed class UpdateSkyNebiusCredentialTests(EngineWorld world, SharedSession session) : IClassFixture<SharedSession>
{
    private readonly List<string> _secrets = [];
    private readonly string _home = world.FreshHome();

    private string TokenFile => Path.Combine(_home, ".nebius", "NEBIUS_IAM_TOKEN.txt");

    private string TenantFile => Path.Combine(_home, ".nebius", "NEBIUS_TENANT_ID.txt");

    private ProcessEnvironment Use(params (string Name, string? Value)[] overrides) => world.UseNebius([("HOME", _home), .. overrides]);

    private async Task<string> TokenAsync(bool expired = false, string tenant = NebiusWorld.Tenant)
    {
        var token = await world.Nebius.IssueTokenAsync(tenant, expired: expired);
        _secrets.Add(token);
        return token;
    }

    private void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>Runs the script; no token, in any form, reaches any stream or output object.</summary>
    private Invocation Run(string script, params object?[] arguments)
    {
        var result = session.Run(script, arguments);
        var text = result.Rendered();
        foreach (var secret in _secrets.Where(s => s.Length >= 20))
        {
            text.Should().NotContain(secret.Substring(3, 17));
        }

        return result;
    }

    private static string Hash(string path) => File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : "<none>";

    private string WriteCli(string body)
    {
        var cli = Path.Combine(_home, "bin", "nebius");
        Write(cli, body);
        File.SetUnixFileMode(cli, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return cli;
    }

    [Fact]
    public async Task The_long_lived_process_scenario_needs_no_restart()
    {
        using var env = Use();

        // Token A works.
        Write(TenantFile, NebiusWorld.Tenant + "\n");
        Write(TokenFile, await TokenAsync() + "\n");
        var first = Run("Test-SkyCloud nebius").ShouldSucceed().Output.Single();
        first.Flag("Compute.Allowed").Should().BeTrue(first.Text("Compute.Reason"));

        // The file is replaced by expired token B: the next check in the same runspace, without -Refresh, says expired.
        var expiredJwt = await world.Nebius.IssueExpiredJwtAsync();
        _secrets.Add(expiredJwt);
        Write(TokenFile, expiredJwt + "\n");
        var second = Run("Test-SkyCloud nebius").ShouldSucceed().Output.Single();
        second.Flag("FromCache").Should().BeFalse();
        second.Text("Compute.Status").Should().Be("CredentialsExpired");

        // Update with token C, as a user would type it: OK, and the file holds C, owner-only.
        var c = await TokenAsync();
        var result = Run("Update-SkyNebiusCredential -Token (ConvertTo-SecureString $args[0] -AsPlainText -Force)", c).ShouldSucceed();
        var status = result.Output.Single();
        status.TypeNames.Should().Contain("SkyPilot.Core.Nebius.NebiusCredentialStatus");
        status.Flag("Valid").Should().BeTrue(status.Text("Reason"));
        status.Flag("Written").Should().BeTrue();
        status.Text("TenantId").Should().Be(NebiusWorld.Tenant);
        status.Text("Identity").Should().Be("ada@example.com");
        ((DateTimeOffset)status.Get("ExpectedExpiry")!).Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(12), TimeSpan.FromMinutes(1));
        File.ReadAllText(TokenFile).Trim().Should().Be(c);
        File.GetUnixFileMode(TokenFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // And the check that follows is served from the result the update cached.
        var third = Run("Test-SkyCloud nebius -Capability Compute").ShouldSucceed().Output.Single();
        third.Flag("FromCache").Should().BeTrue();
        third.Flag("Compute.Allowed").Should().BeTrue();
    }

    [Fact]
    public async Task A_token_the_api_rejects_leaves_the_old_files_byte_identical()
    {
        using var env = Use();
        Write(TenantFile, NebiusWorld.Tenant);
        Write(TokenFile, await TokenAsync());
        var (token, tenant) = (Hash(TokenFile), Hash(TenantFile));

        var result = Run("Update-SkyNebiusCredential -Token $args[0]; $?", EngineTestExtensions.Secure(await TokenAsync(expired: true)));

        var error = result.Errors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().Be(EngineTestExtensions.ErrorId("CredentialRejectedApi", "Update-SkyNebiusCredential"));
        error.CategoryInfo.Category.Should().Be(ErrorCategory.AuthenticationError);
        error.TargetObject.Should().Be("nebius");
        error.Exception.Message.Should().Contain("Nothing was written");
        error.ErrorDetails.RecommendedAction.Should().Contain("nebius iam get-access-token");
        result.Output.Should().ContainSingle().Which.BaseObject.Should().Be(false, "$? is false after the error, and no status was emitted");
        (Hash(TokenFile), Hash(TenantFile)).Should().Be((token, tenant));
    }

    [Fact]
    public async Task A_token_for_another_tenant_is_refused_even_with_Force()
    {
        using var env = Use();
        Write(TenantFile, NebiusWorld.Tenant);

        var result = Run("Update-SkyNebiusCredential -Token $args[0] -Force", EngineTestExtensions.Secure(await TokenAsync(tenant: NebiusWorld.OtherTenant)));

        result.Errors.Should().ContainSingle().Which.Exception.Message.Should().Contain("no access to tenant");
        File.Exists(TokenFile).Should().BeFalse();
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("v0.two words", "contains spaces")]
    [InlineData("v0.line\nsecond", "more than one line")]
    [InlineData("v0.bell\u0007", "not printable")]
    public void Malformed_tokens_are_refused_at_the_format_step(string token, string why)
    {
        using var env = Use();

        var result = Run("Update-SkyNebiusCredential -Token $args[0] -TenantId $args[1]", EngineTestExtensions.Secure(token), NebiusWorld.Tenant);

        var error = result.Errors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().Be(EngineTestExtensions.ErrorId("CredentialRejectedFormat", "Update-SkyNebiusCredential"));
        error.CategoryInfo.Category.Should().Be(ErrorCategory.InvalidArgument);
        error.Exception.Message.Should().Contain(why);
        File.Exists(TokenFile).Should().BeFalse();
    }

    [Fact]
    public async Task An_unknown_prefix_is_a_warning_not_an_error()
    {
        using var env = Use();
        var token = "zz9." + Guid.NewGuid().ToString("N");
        _secrets.Add(token);
        await world.Nebius.Server.AddTokenAsync(token, NebiusWorld.Tenant, "useraccount-e00ada", "ada@example.com");

        var result = Run("Update-SkyNebiusCredential -Token $args[0] -TenantId $args[1]", EngineTestExtensions.Secure(token), NebiusWorld.Tenant).ShouldSucceed();

        result.Warnings.Should().Contain(w => w.Contains("known Nebius prefix"));
        result.Output.Single().Flag("Valid").Should().BeTrue();
    }

    [Fact]
    public async Task A_malformed_tenant_is_refused_at_the_tenant_step()
    {
        using var env = Use();

        var result = Run("Update-SkyNebiusCredential -Token $args[0] -TenantId my-tenant", EngineTestExtensions.Secure(await TokenAsync()));

        var error = result.Errors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().Be(EngineTestExtensions.ErrorId("CredentialRejectedTenant", "Update-SkyNebiusCredential"));
        error.CategoryInfo.Category.Should().Be(ErrorCategory.InvalidArgument);
        File.Exists(TokenFile).Should().BeFalse();
    }

    [Fact]
    public async Task An_unreachable_api_writes_nothing_unless_forced()
    {
        using var env = Use(("NEBIUS_ENDPOINT", "http://127.0.0.1:1"));
        var token = EngineTestExtensions.Secure(await TokenAsync());

        var refused = Run("Update-SkyNebiusCredential -Token $args[0] -TenantId $args[1]", token, NebiusWorld.Tenant);
        var error = refused.Errors.Should().ContainSingle().Subject;
        error.CategoryInfo.Category.Should().Be(ErrorCategory.ConnectionError);
        error.ErrorDetails.RecommendedAction.Should().Contain("-Force");
        File.Exists(TokenFile).Should().BeFalse();

        var forced = Run("Update-SkyNebiusCredential -Token $args[0] -TenantId $args[1] -Force", token, NebiusWorld.Tenant).ShouldSucceed();
        forced.Warnings.Should().Contain(w => w.Contains("without validation"));
        File.ReadAllText(TokenFile).Trim().Should().Be(_secrets[^1]);
        var status = forced.Output.Single();
        status.Flag("Written").Should().BeTrue();
        status.Flag("Valid").Should().BeFalse();
        status.Text("Status").Should().Be("Unreachable");
    }

    [Fact]
    public async Task Without_arguments_it_re_reads_and_re_validates_now()
    {
        using var env = Use();
        Write(TenantFile, NebiusWorld.Tenant);
        Write(TokenFile, await TokenAsync());
        Run("Test-SkyCloud nebius").ShouldSucceed();
        var callsBefore = (await world.Nebius.Server.CallsAsync()).Count;

        var status = Run("Update-SkyNebiusCredential").ShouldSucceed().Output.Single();

        status.Flag("Valid").Should().BeTrue();
        status.Flag("Written").Should().BeFalse();
        status.Text("Source").Should().Be(TokenFile);
        (await world.Nebius.Server.CallsAsync()).Count.Should().BeGreaterThan(callsBefore, "the refresh bypasses the cache");
    }

    [Fact]
    public async Task FromCli_runs_the_nebius_cli_and_takes_the_tenant_from_whoami()
    {
        var token = await TokenAsync();
        var cli = WriteCli($$$"""
            #!/bin/sh
            if [ "$1" = "iam" ] && [ "$2" = "get-access-token" ]; then echo "{{{token}}}"; exit 0; fi
            if [ "$3" = "iam" ] && [ "$4" = "whoami" ]; then echo '{"user_profile":{"id":"useraccount-e00ada","tenants":[{"tenant_id":"{{{NebiusWorld.Tenant}}}"}]}}'; exit 0; fi
            echo "unexpected: $*" >&2; exit 3
            """);
        using var env = Use(("SKYPILOT_PS_NEBIUS_CLI", cli));

        var result = Run("Update-SkyNebiusCredential -FromCli").ShouldSucceed();

        result.Output.Single().Flag("Valid").Should().BeTrue();
        File.ReadAllText(TokenFile).Trim().Should().Be(token);
        File.ReadAllText(TenantFile).Trim().Should().Be(NebiusWorld.Tenant);
    }

    [Fact]
    public void FromCli_with_no_cli_installed_is_a_clear_error()
    {
        using var env = Use(("SKYPILOT_PS_NEBIUS_CLI", Path.Combine(_home, "no-such-nebius")));

        var result = Run("Update-SkyNebiusCredential -FromCli");

        var error = result.Errors.Should().ContainSingle().Subject;
        error.FullyQualifiedErrorId.Should().Be(EngineTestExtensions.ErrorId("CredentialRejectedCli", "Update-SkyNebiusCredential"));
        error.CategoryInfo.Category.Should().Be(ErrorCategory.ObjectNotFound);
        error.Exception.Message.Should().Contain("could not be started");
        error.ErrorDetails.RecommendedAction.Should().Contain("SKYPILOT_PS_NEBIUS_CLI");
    }

    [Fact]
    public void FromCli_that_fails_reports_its_stderr()
    {
        var cli = WriteCli("#!/bin/sh\necho 'profile not configured' >&2\nexit 1\n");
        using var env = Use(("SKYPILOT_PS_NEBIUS_CLI", cli));

        var result = Run("Update-SkyNebiusCredential -FromCli");

        result.Errors.Should().ContainSingle().Which.Exception.Message.Should().Contain("exit code 1").And.Contain("profile not configured");
    }
}
