using SkyPilot.Core.Aws;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Identity;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Aws;

/// <summary>
/// The AWS identity is resolved from files and environment only, as the CLI resolves it, and its fingerprint changes
/// whenever any input the CLI reads changes. Files are written by the real aws CLI where a user would use it.
/// </summary>
public sealed class AwsIdentityTests : IDisposable
{
    private static readonly AwsTestUser A = new("a", "AKIAAAAAAAAAAAAAAAAA", "secret-a-" + Guid.NewGuid().ToString("N"), "arn:a");
    private static readonly AwsTestUser B = new("b", "AKIABBBBBBBBBBBBBBBB", "secret-b-" + Guid.NewGuid().ToString("N"), "arn:b");
    private readonly AwsWorld _world = new("http://127.0.0.1:9");

    public void Dispose() => _world.Dispose();

    private CloudIdentity Resolve() => new AwsCloudChecker(Core.Http.SharedHttpClient.Instance, Core.NullSkyLog.Instance).Resolve(_world.Environment()).Identity;

    [Fact]
    public async Task A_profile_switch_with_AWS_PROFILE_changes_the_key_and_names_the_profile()
    {
        await _world.ConfigureAsync("dev", A);
        await _world.ConfigureAsync("prod", B);
        _world.Set("AWS_PROFILE", "dev");
        var dev = Resolve();

        _world.Set("AWS_PROFILE", "prod");
        var prod = Resolve();

        dev.Configuration.Should().Be("dev");
        prod.Configuration.Should().Be("prod");
        prod.Fingerprint.Should().NotBe(dev.Fingerprint);
        prod.CredentialSourceKind.Should().Contain("AWS_PROFILE");
    }

    [Fact]
    public async Task AWS_DEFAULT_PROFILE_wins_over_AWS_PROFILE_as_in_the_CLI_and_says_so()
    {
        await _world.ConfigureAsync("dev", A);
        await _world.ConfigureAsync("prod", B);
        _world.Set("AWS_PROFILE", "dev");
        _world.Set("AWS_DEFAULT_PROFILE", "prod");
        _world.Set("AWS_ENDPOINT_URL", null);

        var identity = Resolve();

        identity.Configuration.Should().Be("prod");
        identity.Warnings.Should().Contain(w => w.Contains("AWS_DEFAULT_PROFILE (prod) wins over AWS_PROFILE (dev)"));
        // The CLI itself agrees: it reads prod's key.
        (await _world.Cli.RunAsync("configure", "get", "aws_access_key_id")).Trim().Should().Be(B.AccessKeyId);
    }

    [Fact]
    public async Task A_key_rotated_at_the_same_profile_and_path_changes_the_key()
    {
        await _world.ConfigureAsync("default", A);
        var before = Resolve();

        await _world.Cli.RunAsync("configure", "set", "aws_secret_access_key", "rotated-" + Guid.NewGuid().ToString("N"));
        var after = Resolve();

        after.CredentialSource.Should().Be(before.CredentialSource);
        after.Fingerprint.Should().NotBe(before.Fingerprint);
        after.CredentialDigest.Should().NotBe(before.CredentialDigest);
    }

    [Fact]
    public async Task An_unrelated_profile_edit_keeps_the_key()
    {
        await _world.ConfigureAsync("default", A);
        var before = Resolve();

        await _world.ConfigureAsync("other", B);

        Resolve().Fingerprint.Should().Be(before.Fingerprint);
    }

    [Fact]
    public async Task Environment_keys_win_over_the_profile_and_each_changes_the_key()
    {
        await _world.ConfigureAsync("default", A);
        var fromFile = Resolve();
        _world.Set("AWS_ACCESS_KEY_ID", B.AccessKeyId);
        _world.Set("AWS_SECRET_ACCESS_KEY", B.SecretAccessKey);
        var fromEnv = Resolve();
        _world.Set("AWS_SESSION_TOKEN", "token-" + Guid.NewGuid().ToString("N"));
        var withToken = Resolve();

        fromEnv.CredentialType.Should().Be("env");
        new[] { fromFile.Fingerprint, fromEnv.Fingerprint, withToken.Fingerprint }.Should().OnlyHaveUniqueItems();
        withToken.CanExpire.Should().BeTrue();
    }

    [Theory]
    [InlineData("AWS_REGION", "eu-west-1")]
    [InlineData("AWS_DEFAULT_REGION", "eu-west-2")]
    [InlineData("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:10")]
    [InlineData("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:11")]
    [InlineData("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]
    [InlineData("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/credentials")]
    [InlineData("AWS_CONFIG_FILE", "~/elsewhere/config")]
    [InlineData("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:12/creds")]
    public void Each_environment_input_changes_the_key(string name, string value)
    {
        _world.AddKeys("default", A);
        var before = Resolve();

        _world.Set(name, value);

        Resolve().Fingerprint.Should().NotBe(before.Fingerprint);
    }

    [Theory]
    [InlineData("region", "ap-south-1")]
    [InlineData("endpoint_url", "http://127.0.0.1:13")]
    [InlineData("role_session_name", "other-session")]
    public async Task Each_profile_setting_changes_the_key(string key, string value)
    {
        await _world.ConfigureAsync("default", A);
        var before = Resolve();

        await _world.Cli.RunAsync("configure", "set", key, value);

        Resolve().Fingerprint.Should().NotBe(before.Fingerprint);
    }

    [Fact]
    public async Task A_services_section_endpoint_changes_the_key()
    {
        _world.AddKeys("default", A);
        _world.WriteFile(".aws/config", "[default]\nservices = local\n\n[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:14\n");
        var before = Resolve();

        _world.WriteFile(".aws/config", "[default]\nservices = local\n\n[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:15\n");

        Resolve().Fingerprint.Should().NotBe(before.Fingerprint);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_rotated_source_profile_key_changes_the_key_of_the_role_profile()
    {
        await _world.ConfigureAsync("base", A);
        await _world.Cli.RunAsync("configure", "set", "role_arn", "arn:aws:iam::123456789012:role/r", "--profile", "role");
        await _world.Cli.RunAsync("configure", "set", "source_profile", "base", "--profile", "role");
        _world.Set("AWS_PROFILE", "role");
        var before = Resolve();

        await _world.Cli.RunAsync("configure", "set", "aws_secret_access_key", "rotated-" + Guid.NewGuid().ToString("N"), "--profile", "base");
        var after = Resolve();

        before.CredentialType.Should().Be("assume-role");
        after.Fingerprint.Should().NotBe(before.Fingerprint);
    }

    [Fact]
    public async Task A_credential_process_command_change_changes_the_key()
    {
        await _world.Cli.RunAsync("configure", "set", "credential_process", "/usr/bin/env true", "--profile", "p");
        _world.Set("AWS_PROFILE", "p");
        var before = Resolve();

        await _world.Cli.RunAsync("configure", "set", "credential_process", "/usr/bin/env false", "--profile", "p");

        before.CredentialType.Should().Be("custom-process");
        Resolve().Fingerprint.Should().NotBe(before.Fingerprint);
    }

    [Fact]
    public void A_web_identity_token_rewrite_changes_the_key()
    {
        var tokenFile = _world.Temp.WriteFile("token", "token-one");
        _world.Set("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile);
        _world.Set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web");
        var before = Resolve();

        File.WriteAllText(tokenFile, "token-two");

        before.CredentialType.Should().Be("assume-role-with-web-identity");
        Resolve().Fingerprint.Should().NotBe(before.Fingerprint);
    }

    [Fact]
    public void An_SSO_login_rewriting_the_token_cache_changes_the_key()
    {
        WriteSsoProfile("dev", "my-sso");
        var cache = AwsLocalState.SsoCachePath(_world.Environment(), "my-sso");
        WriteSsoToken(cache, "token-one", DateTimeOffset.UtcNow.AddHours(8));
        _world.Set("AWS_PROFILE", "dev");
        var before = Resolve();

        WriteSsoToken(cache, "token-two", DateTimeOffset.UtcNow.AddHours(8));
        var after = Resolve();

        before.CredentialType.Should().Be("sso");
        before.IsUsable.Should().BeTrue();
        after.Fingerprint.Should().NotBe(before.Fingerprint);
        after.CredentialExpiresAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(8), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void An_expired_SSO_login_is_reported_locally_with_the_login_command()
    {
        WriteSsoProfile("dev", "my-sso");
        WriteSsoToken(AwsLocalState.SsoCachePath(_world.Environment(), "my-sso"), "old", DateTimeOffset.UtcNow.AddMinutes(-5));
        _world.Set("AWS_PROFILE", "dev");

        var identity = Resolve();

        identity.ProblemStatus.Should().Be(CheckStatus.CredentialsExpired);
        identity.Problem.Should().Contain("expired");
        identity.Hint.Should().Be("run: aws sso login --profile dev");
    }

    [Fact]
    public void A_profile_named_but_missing_is_a_configuration_error_naming_where_it_came_from()
    {
        _world.AddKeys("default", A);
        _world.Set("AWS_PROFILE", "nope");

        var identity = Resolve();

        identity.ProblemStatus.Should().Be(CheckStatus.ConfigurationError);
        identity.Problem.Should().Contain("(nope)").And.Contain("AWS_PROFILE");
    }

    [Fact]
    public async Task The_workspace_profile_in_the_SkyPilot_config_overrides_the_environment()
    {
        await _world.ConfigureAsync("team", A);
        _world.Set("AWS_ACCESS_KEY_ID", B.AccessKeyId);
        _world.Set("AWS_SECRET_ACCESS_KEY", B.SecretAccessKey);
        _world.WriteFile(".sky/config.yaml", "active_workspace: ml\nworkspaces:\n  ml:\n    aws:\n      profile: team\n");

        var identity = Resolve();

        identity.Configuration.Should().Be("team");
        identity.CredentialType.Should().Be("shared-credentials-file");
    }

    /// <summary>An SSO profile as <c>aws configure sso</c> writes it (the CLI's wizard is interactive, so the file is written here).</summary>
    private void WriteSsoProfile(string profile, string session) =>
        _world.WriteFile(".aws/config", "[profile " + profile + "]\nsso_session = " + session + "\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\n[sso-session " + session + "]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n");

    /// <summary>The token cache file as botocore's SSOTokenLoader writes it after <c>aws sso login</c>.</summary>
    internal static void WriteSsoToken(string path, string token, DateTimeOffset expiresAt)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{\"startUrl\": \"https://example.awsapps.com/start\", \"region\": \"us-east-1\", \"accessToken\": \"" + token + "\", \"expiresAt\": \"" + expiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") + "\", \"refreshToken\": \"r\"}");
    }
}
