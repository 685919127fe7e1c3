using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Nebius;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Nebius;

/// <summary>Bad Nebius inputs found by fault injection: no token echoed, empty files named, permanent problems not "Retry".</summary>
public sealed class CredentialInputTests : IDisposable
{
    private const string Tenant = "tenant-e00test0001";
    private const string TokenLike = "v0.demo-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbb";
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _variables = new();

    public CredentialInputTests()
    {
        _variables["SKYPILOT_PS_CACHE_DIR"] = _temp.Combine("state");
    }

    public void Dispose() => _temp.Dispose();

    private string Home => _temp.Combine("home");

    private string NebiusDirectory => Path.Combine(Home, ".nebius");

    private SkyEnvironment Env() => new(_variables, Home, isWindows: false);

    private void WriteNebius(string name, string content)
    {
        Directory.CreateDirectory(NebiusDirectory);
        File.WriteAllText(Path.Combine(NebiusDirectory, name), content);
    }

    private SkyPilot.Core.Identity.CloudIdentity Resolve() => NebiusIdentityResolver.Resolve(Env(), DateTimeOffset.UtcNow).Identity;

    [Fact]
    public void A_token_in_the_tenant_file_is_never_echoed_and_never_becomes_the_project()
    {
        WriteNebius("NEBIUS_IAM_TOKEN.txt", "v0.real-token-value\n");
        WriteNebius("NEBIUS_TENANT_ID.txt", TokenLike + "\n");

        var identity = Resolve();

        identity.ProblemStatus.Should().Be(CheckStatus.ConfigurationError);
        identity.Problem.Should().Contain("NEBIUS_TENANT_ID.txt").And.Contain("looks like an access token").And.NotContain("v0.demo");
        identity.Project.Should().BeNull();
        identity.ToString().Should().NotContain("v0.demo");
    }

    [Fact]
    public void A_token_given_as_the_tenant_is_refused_without_echoing_it()
    {
        NebiusTokenFormat.CheckTenant(TokenLike).Should().Contain("looks like an access token").And.NotContain("v0.demo");
        NebiusTokenFormat.CheckTenant("eyJhbGciOiJIUzI1NiJ9.e30.abc").Should().NotContain("eyJ");
        NebiusTokenFormat.CheckTenant("tenant_e00abc").Should().Contain("'tenant_e00abc'", "a short value that is no token is shown, to help");
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n\t\n")]
    public void An_empty_token_file_is_reported_as_empty_not_missing(string content)
    {
        WriteNebius("NEBIUS_IAM_TOKEN.txt", content);
        WriteNebius("NEBIUS_TENANT_ID.txt", Tenant);

        var identity = Resolve();

        identity.ProblemStatus.Should().Be(CheckStatus.InvalidCredentials);
        identity.Problem.Should().Contain("NEBIUS_IAM_TOKEN.txt").And.Contain("is empty").And.NotContain("do not exist");
    }

    [Fact]
    public void An_empty_tenant_file_is_reported_as_empty()
    {
        WriteNebius("NEBIUS_IAM_TOKEN.txt", "v0.real-token-value\n");
        WriteNebius("NEBIUS_TENANT_ID.txt", "\n");

        Resolve().Problem.Should().Contain("NEBIUS_TENANT_ID.txt is empty");
    }

    [Theory]
    [InlineData("ftp://nebius.example.com")]
    [InlineData("file:///etc/passwd")]
    public void An_endpoint_that_is_not_http_is_a_configuration_error_not_unreachable(string endpoint)
    {
        _variables["NEBIUS_ENDPOINT"] = endpoint;
        WriteNebius("NEBIUS_IAM_TOKEN.txt", "v0.real-token-value\n");
        WriteNebius("NEBIUS_TENANT_ID.txt", Tenant);

        var identity = Resolve();

        identity.ProblemStatus.Should().Be(CheckStatus.ConfigurationError);
        identity.Problem.Should().Contain("NEBIUS_ENDPOINT");
        identity.Hint.Should().NotContainEquivalentOf("retry");
    }

    [Fact]
    public async Task Validating_with_a_bad_endpoint_fails_as_configuration_without_calling_anything()
    {
        _variables["NEBIUS_ENDPOINT"] = "ftp://nebius.example.com";
        var manager = new NebiusCredentialManager(NebiusCloudChecker.DefaultCaller(NullSkyLog.Instance));

        var error = await Assert.ThrowsAsync<NebiusCredentialException>(() => manager.ValidateAsync(Env(), "v0.real-token-value", Tenant, allowUnreachable: false, default));

        error.ApiUnreachable.Should().BeFalse();
        error.Message.Should().Contain("NEBIUS_ENDPOINT");
        error.Hint.Should().NotContainEquivalentOf("retry");
    }

    [Fact]
    public void A_huge_credentials_file_is_refused_without_reading_it()
    {
        Directory.CreateDirectory(NebiusDirectory);
        using (var file = File.Create(Path.Combine(NebiusDirectory, "credentials.json")))
        {
            file.SetLength(150L * 1024 * 1024);
        }

        WriteNebius("NEBIUS_TENANT_ID.txt", Tenant);

        var identity = Resolve();

        identity.ProblemStatus.Should().Be(CheckStatus.InvalidCredentials);
        identity.Problem.Should().Contain("credentials.json").And.Contain("at most 1 MB");
    }

    [Fact]
    public void Writing_credentials_tightens_an_existing_world_readable_nebius_directory()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Directory.CreateDirectory(NebiusDirectory);
        File.SetUnixFileMode(NebiusDirectory, (UnixFileMode)Convert.ToInt32("755", 8));

        new NebiusCredentialManager(NebiusCloudChecker.DefaultCaller(NullSkyLog.Instance)).Write(Env(), "v0.real-token-value", Tenant);

        File.GetUnixFileMode(NebiusDirectory).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
