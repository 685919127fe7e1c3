using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Gcp;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Gcp;

public sealed class GcpIdentityResolverTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _vars = new();

    public GcpIdentityResolverTests()
    {
        _vars["HOME"] = _temp.Combine("home");
        _vars["CLOUDSDK_CONFIG"] = _temp.Combine("gcloud");
        Directory.CreateDirectory(_vars["HOME"]);
        Directory.CreateDirectory(_vars["CLOUDSDK_CONFIG"]);
    }

    public void Dispose() => _temp.Dispose();

    private SkyEnvironment Env => new(_vars, _vars["HOME"], isWindows: false);

    private string Key(string email = "sa@key-project.iam.gserviceaccount.com", string project = "key-project", bool pkcs1 = false)
    {
        var key = ServiceAccountKey.Create(email, project, "http://127.0.0.1:9/token", pkcs1);
        return key.WriteTo(_temp.Combine("keys", Guid.NewGuid().ToString("N") + ".json"));
    }

    private void Configuration(string name, string? account, string? project)
    {
        var lines = new List<string> { "[core]" };
        if (account != null) lines.Add("account = " + account);
        if (project != null) lines.Add("project = " + project);
        _temp.WriteFile(Path.Combine("gcloud", "configurations", "config_" + name), string.Join("\n", lines) + "\n");
    }

    private void Activate(string name) => _temp.WriteFile(Path.Combine("gcloud", "active_config"), name);

    [Fact]
    public void Service_account_key_gives_account_project_and_kind()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key();

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.IsUsable.Should().BeTrue(identity.Problem);
        identity.Account.Should().Be("sa@key-project.iam.gserviceaccount.com");
        identity.Project.Should().Be("key-project");
        identity.ProjectSource.Should().Be("credential file project_id");
        identity.CredentialType.Should().Be("service_account");
        identity.CredentialSourceKind.Should().Be("GOOGLE_APPLICATION_CREDENTIALS");
        identity.CanExpire.Should().BeFalse();
        identity.Configuration.Should().Be("default");
        identity.DisplayName.Should().Be("sa@key-project.iam.gserviceaccount.com [project_id=key-project]");
    }

    [Fact]
    public void Project_precedence_is_parameter_then_GOOGLE_CLOUD_PROJECT_then_CLOUDSDK_CORE_PROJECT_then_gcloud_then_key()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key();
        Configuration("dev", "a@x.com", "from-config");
        Activate("dev");
        GcpIdentityResolver.Resolve(Env).Project.Should().Be("from-config");

        _vars["CLOUDSDK_CORE_PROJECT"] = "from-cloudsdk";
        GcpIdentityResolver.Resolve(Env).Project.Should().Be("from-cloudsdk");

        _vars["GOOGLE_CLOUD_PROJECT"] = "from-google";
        GcpIdentityResolver.Resolve(Env).Project.Should().Be("from-google");

        GcpIdentityResolver.Resolve(Env, project: "from-parameter").Project.Should().Be("from-parameter");
    }

    [Fact]
    public void Active_configuration_comes_from_CLOUDSDK_ACTIVE_CONFIG_NAME_over_the_active_config_file()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key();
        Configuration("one", "one@x.com", "p-one");
        Configuration("two", "two@x.com", "p-two");
        Activate("one");

        GcpIdentityResolver.Resolve(Env).Configuration.Should().Be("one");
        _vars["CLOUDSDK_ACTIVE_CONFIG_NAME"] = "two";
        var identity = GcpIdentityResolver.Resolve(Env);
        identity.Configuration.Should().Be("two");
        identity.GcloudAccount.Should().Be("two@x.com");
        identity.Project.Should().Be("p-two");
    }

    [Fact]
    public void CLOUDSDK_CORE_ACCOUNT_overrides_the_configured_account()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key();
        Configuration("default", "file@x.com", "p");
        _vars["CLOUDSDK_CORE_ACCOUNT"] = "env@x.com";

        GcpIdentityResolver.Resolve(Env).GcloudAccount.Should().Be("env@x.com");
    }

    [Fact]
    public void A_gcloud_account_that_differs_from_the_credential_is_a_warning()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key();
        Configuration("default", "someone-else@example.com", "p");

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.IsUsable.Should().BeTrue();
        identity.Warnings.Should().ContainSingle().Which.Should()
            .Contain("someone-else@example.com").And.Contain("sa@key-project.iam.gserviceaccount.com");
    }

    [Fact]
    public void Well_known_file_in_the_gcloud_config_directory_is_used_when_GOOGLE_APPLICATION_CREDENTIALS_is_unset()
    {
        File.Copy(Key(), _temp.Combine("gcloud", "application_default_credentials.json"));

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.CredentialSource.Should().Be(_temp.Combine("gcloud", "application_default_credentials.json"));
        identity.CredentialSourceKind.Should().Be("gcloud application-default login");
    }

    [Fact]
    public void Authorized_user_credentials_can_expire_and_have_no_local_account()
    {
        _temp.WriteFile("adc.json", """{"type":"authorized_user","client_id":"id.apps.googleusercontent.com","client_secret":"s","refresh_token":"r"}""");
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = _temp.Combine("adc.json");
        _vars["GOOGLE_CLOUD_PROJECT"] = "p";

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.CredentialType.Should().Be("authorized_user");
        identity.CanExpire.Should().BeTrue();
        identity.Account.Should().BeNull();
    }

    [Fact]
    public void Impersonated_credentials_report_the_target_account()
    {
        _temp.WriteFile("imp.json", """{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/target@p.iam.gserviceaccount.com:generateAccessToken","source_credentials":{"type":"authorized_user"}}""");
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = _temp.Combine("imp.json");
        _vars["GOOGLE_CLOUD_PROJECT"] = "p";

        GcpIdentityResolver.Resolve(Env).Account.Should().Be("target@p.iam.gserviceaccount.com");
    }

    [Fact]
    public void Fingerprint_is_stable_and_changes_with_every_input()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key();
        Configuration("default", "a@x.com", "p");
        var seen = new HashSet<string>();
        void Expect(bool changed)
        {
            var fingerprint = GcpIdentityResolver.Resolve(Env).Fingerprint;
            fingerprint.Should().MatchRegex("^[0-9a-f]{32}$");
            seen.Add(fingerprint).Should().Be(changed);
        }

        Expect(changed: true);
        Expect(changed: false);
        Configuration("default", "b@x.com", "p");
        Expect(changed: true);
        _vars["CLOUDSDK_CORE_PROJECT"] = "other";
        Expect(changed: true);
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key();
        Expect(changed: true);
        File.WriteAllText(_vars["GOOGLE_APPLICATION_CREDENTIALS"], ServiceAccountKey.Create("sa@key-project.iam.gserviceaccount.com", "key-project", "http://127.0.0.1:9/token").Json);
        Expect(changed: true);
        _vars["CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE"] = "http://127.0.0.1:1/";
        Expect(changed: true);
        _vars["CLOUDSDK_ACTIVE_CONFIG_NAME"] = "missing";
        Expect(changed: true);
        _temp.WriteFile(Path.Combine("home", ".sky", "config.yaml"), "gcp:\n  vpc_name: my-vpc\n");
        Expect(changed: true);
    }

    [Fact]
    public void Malformed_credential_json_is_invalid_credentials_with_position_and_no_content()
    {
        _temp.WriteFile("bad.json", "{\"type\": \"service_account\", \"private_key\": \"SECRET-MATERIAL");
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = _temp.Combine("bad.json");
        _vars["GOOGLE_CLOUD_PROJECT"] = "p";

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.ProblemStatus.Should().Be(CheckStatus.InvalidCredentials);
        identity.Problem.Should().Contain("is not valid JSON").And.Contain("line 1").And.NotContain("SECRET");
        identity.Hint.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void GOOGLE_APPLICATION_CREDENTIALS_naming_a_missing_file_says_so()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = _temp.Combine("nope.json");

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.ProblemStatus.Should().Be(CheckStatus.NoCredentials);
        identity.Problem.Should().Contain("GOOGLE_APPLICATION_CREDENTIALS").And.Contain("nope.json").And.Contain("does not exist");
        identity.Hint.Should().Contain("GOOGLE_APPLICATION_CREDENTIALS");
    }

    [Fact]
    public void A_PKCS1_key_is_rejected_with_a_conversion_hint()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key(pkcs1: true);

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.ProblemStatus.Should().Be(CheckStatus.InvalidCredentials);
        identity.Problem.Should().Contain("PKCS#1");
        identity.Hint.Should().Contain("openssl pkcs8");
    }

    [Fact]
    public void Unknown_credential_type_is_invalid()
    {
        _temp.WriteFile("odd.json", """{"type":"carrier_pigeon"}""");
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = _temp.Combine("odd.json");

        GcpIdentityResolver.Resolve(Env).Problem.Should().Contain("unknown type 'carrier_pigeon'");
    }

    [Fact]
    public void No_credentials_anywhere_hints_application_default_login()
    {
        var identity = GcpIdentityResolver.Resolve(Env);

        identity.ProblemStatus.Should().Be(CheckStatus.NoCredentials);
        identity.CredentialType.Should().Be("none");
        identity.Hint.Should().Contain("gcloud auth application-default login").And.Contain("gcloud init");
    }

    [Fact]
    public void No_project_anywhere_is_NoProject()
    {
        _temp.WriteFile("adc.json", """{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}""");
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = _temp.Combine("adc.json");

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.ProblemStatus.Should().Be(CheckStatus.NoProject);
        identity.Hint.Should().Contain("gcloud config set project");
    }

    [Fact]
    public void An_unreadable_configuration_is_a_configuration_error()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key();
        // A directory where the file should be cannot be read, even by root.
        Directory.CreateDirectory(_temp.Combine("gcloud", "configurations", "config_default"));

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.ProblemStatus.Should().Be(CheckStatus.ConfigurationError);
        identity.Problem.Should().Contain("cannot read gcloud configuration 'default'");
    }

    [Fact]
    public void Malformed_sky_config_is_a_warning_not_a_failure()
    {
        _vars["GOOGLE_APPLICATION_CREDENTIALS"] = Key();
        _temp.WriteFile(Path.Combine("home", ".sky", "config.yaml"), "gcp: [unclosed\n");

        var identity = GcpIdentityResolver.Resolve(Env);

        identity.IsUsable.Should().BeTrue();
        identity.Warnings.Should().ContainSingle(w => w.Contains("not valid YAML"));
    }
}
