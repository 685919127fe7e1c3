using System.Text.Json.Nodes;
using SkyPilot.Core.Checks;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Kubernetes;

/// <summary>
/// Exec credential plugins, configured with kubectl's own flags and run by the client.authentication.k8s.io protocol;
/// the plugins are small scripts written at test time.
/// </summary>
public sealed class KubernetesExecPluginTests : IAsyncLifetime
{
    private const string ApiVersion = "client.authentication.k8s.io/v1";
    private readonly KubernetesWorld _world = new();
    private FakeKubernetesServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await _world.StartServerAsync();
        _server.Grant("alice", "default", FakeKubernetesServer.SkyPilotRole);
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    /// <summary>A plugin script that records its KUBERNETES_EXEC_INFO and each run, then prints <paramref name="output"/>.</summary>
    private string Plugin(string name, string output, int exitCode = 0, string? stderr = null)
    {
        var bin = _world.Temp.Combine("bin");
        Directory.CreateDirectory(bin);
        var path = Path.Combine(bin, name);
        File.WriteAllText(path,
            "#!/bin/sh\n" +
            "printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"" + ExecInfoFile + "\"\n" +
            "echo run >> \"" + RunsFile + "\"\n" +
            (stderr is null ? string.Empty : "echo '" + stderr + "' >&2\n") +
            "cat <<'JSON'\n" + output + "\nJSON\n" +
            "exit " + exitCode + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private string ExecInfoFile => _world.Temp.Combine("exec-info.json");

    private string RunsFile => _world.Temp.Combine("runs.txt");

    private int Runs => File.Exists(RunsFile) ? File.ReadAllLines(RunsFile).Length : 0;

    private static string Credential(string token, DateTimeOffset? expires = null, string apiVersion = ApiVersion) =>
        new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = "ExecCredential",
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = expires?.ToString("yyyy-MM-ddTHH:mm:ssZ") },
        }.ToJsonString();

    private async Task UseExecContextAsync(string command, params string[] extra)
    {
        await _world.Kubectl.RunAsync("config", "set-cluster", "c", "--server=" + _server.Server, "--certificate-authority=" + _world.CaFile(_server), "--embed-certs=true");
        await _world.Kubectl.RunAsync(["config", "set-credentials", "exec-user", "--exec-command=" + command, "--exec-api-version=" + ApiVersion, "--exec-interactive-mode=Never", .. extra]);
        await _world.Kubectl.RunAsync("config", "set-context", "exec", "--cluster=c", "--user=exec-user");
        await _world.UseContextAsync("exec");

        // kubectl itself may call the server (and so run the plugin) while editing the kubeconfig: count only the check's.
        File.Delete(RunsFile);
        _server.Requests.Clear();
    }

    [Fact]
    public async Task A_plugins_token_is_used_and_the_plugin_gets_the_ExecCredential_request()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var plugin = Plugin("kube-token-helper", Credential(_server.IssueToken("alice")));
        await UseExecContextAsync(plugin, "--exec-arg=get-token", "--exec-env=HELPER_MODE=test");
        (await _world.Kubectl.RunAsync("auth", "whoami")).Should().Contain("alice", "kubectl accepts the same plugin");

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.Allowed, result.Compute.Reason);
        result.Identity.Account.Should().Be("alice");
        result.Identity.CredentialType.Should().Be("exec:kube-token-helper");
        result.Identity.CanExpire.Should().BeTrue();
        var info = JsonNode.Parse(File.ReadAllText(ExecInfoFile))!;
        info["apiVersion"]!.GetValue<string>().Should().Be(ApiVersion);
        info["kind"]!.GetValue<string>().Should().Be("ExecCredential");
        info["spec"]!["interactive"]!.GetValue<bool>().Should().BeFalse();
    }

    [Fact]
    public async Task A_credential_with_an_expiry_is_reused_until_then_and_one_without_is_not()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var token = _server.IssueToken("alice");
        await UseExecContextAsync(Plugin("expiring-helper", Credential(token, DateTimeOffset.UtcNow.AddHours(1))));
        await _world.CheckAsync(refresh: true);
        await _world.CheckAsync(refresh: true);
        Runs.Should().Be(1);

        await UseExecContextAsync(Plugin("plain-helper", Credential(token)));
        await _world.CheckAsync(refresh: true);
        await _world.CheckAsync(refresh: true);
        Runs.Should().Be(2);
    }

    [Fact]
    public async Task A_failing_plugin_is_an_authentication_failure_with_its_last_error_line_and_no_secret()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await UseExecContextAsync(Plugin("broken-helper", "{}", exitCode: 1, stderr: "error: refresh token expired; token=SECRETVALUE123"));

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.AuthenticationFailed);
        result.Compute.Reason.Should().Contain("broken-helper").And.Contain("exit 1").And.Contain("refresh token expired");
        result.Compute.Reason.Should().NotContain("SECRETVALUE123");
        result.Compute.Hint.Should().Contain("Run the plugin by hand");
        _server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_plugin_answering_another_apiVersion_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await UseExecContextAsync(Plugin("old-helper", Credential(_server.IssueToken("alice"), apiVersion: "client.authentication.k8s.io/v1beta1")));

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.InvalidCredentials);
        result.Compute.Reason.Should().Contain("v1beta1");
    }

    [Fact]
    public async Task A_missing_plugin_says_so_with_its_install_hint()
    {
        await UseExecContextAsync("no-such-auth-plugin");
        var kubeconfig = File.ReadAllText(_world.DefaultKubeconfig);
        var line = kubeconfig.Split('\n').Single(l => l.TrimStart().StartsWith("command: no-such-auth-plugin", StringComparison.Ordinal));
        var indent = line[..(line.Length - line.TrimStart().Length)];
        File.WriteAllText(_world.DefaultKubeconfig, kubeconfig.Replace(line, line + "\n" + indent + "installHint: 'Install it with: brew install no-such-auth-plugin'"));
        (await _world.Kubectl.RunAsync("config", "view", "-o", "jsonpath={.users[0].user.exec.installHint}")).Should().Contain("brew install", "kubectl reads the edited file");

        var result = await _world.CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.NoCredentials);
        result.Compute.Reason.Should().Contain("'no-such-auth-plugin'").And.Contain("was not found");
        result.Compute.Hint.Should().Be("Install it with: brew install no-such-auth-plugin");
    }

    [Fact]
    public async Task The_gke_plugins_identity_is_gclouds_account_so_a_gcloud_switch_is_a_new_identity()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var gcloudConfig = _world.Temp.Combine("gcloud");
        Directory.CreateDirectory(gcloudConfig);
        _world.Set("CLOUDSDK_CONFIG", gcloudConfig);
        var gcloud = new Gcloud(gcloudConfig);
        await gcloud.RunAsync("config", "set", "account", "alice@example.com");
        var plugin = Plugin("gke-gcloud-auth-plugin", Credential(_server.IssueToken("alice")));
        await UseExecContextAsync(plugin);

        var before = _world.Checker().Resolve(_world.Environment()).Identity;
        await gcloud.RunAsync("config", "set", "account", "bob@example.com");
        var after = _world.Checker().Resolve(_world.Environment()).Identity;

        before.CredentialType.Should().Be("exec:gke-gcloud-auth-plugin");
        after.Fingerprint.Should().NotBe(before.Fingerprint, "the plugin acts as gcloud's account");
        after.CredentialDigest.Should().NotBe(before.CredentialDigest);
        Runs.Should().Be(0, "resolving an identity never runs the plugin");
    }

    /// <summary>Writes new random keys for <paramref name="profile"/> with the real CLI (<c>aws configure set</c>): a key rotation.</summary>
    private static async Task SetAwsKeysAsync(AwsCli aws, string profile)
    {
        var id = "AKIA" + Guid.NewGuid().ToString("N")[..16].ToUpperInvariant();
        await aws.RunAsync("configure", "set", "aws_access_key_id", id, "--profile", profile);
        await aws.RunAsync("configure", "set", "aws_secret_access_key", Guid.NewGuid().ToString("N"), "--profile", profile);
    }

    private string Fingerprint() => _world.Checker().Resolve(_world.Environment()).Identity.Fingerprint;

    [Theory]
    [InlineData("aws", "eks get-token --cluster-name c", true)]
    [InlineData("aws-iam-authenticator", "token -i c", true)]
    [InlineData("kube-token-helper", "get-token", false)]
    public async Task An_aws_eks_plugins_identity_is_the_AWS_identity_so_a_key_rotation_or_profile_switch_is_a_new_identity(string command, string args, bool actsAsAws)
    {
        var aws = new AwsCli(_world.Home);
        await SetAwsKeysAsync(aws, "default");
        await SetAwsKeysAsync(aws, "prod");
        await UseExecContextAsync(command, args.Split(' ').Select(a => "--exec-arg=" + a).ToArray());

        var first = Fingerprint();
        var unchanged = Fingerprint();
        await SetAwsKeysAsync(aws, "default");
        var rotated = Fingerprint();
        _world.Set("AWS_PROFILE", "prod");
        var switched = Fingerprint();

        unchanged.Should().Be(first, "nothing changed");
        if (actsAsAws)
        {
            _world.Checker().Resolve(_world.Environment()).Identity.CredentialType.Should().Be("exec:" + command);
            rotated.Should().NotBe(first, "the plugin signs with the rotated keys of the default profile");
            switched.Should().NotBe(rotated, "AWS_PROFILE=prod makes the plugin act as another AWS identity");
        }
        else
        {
            new[] { rotated, switched }.Should().AllBe(first, "a plugin that is not AWS's does not carry the AWS identity");
        }

        Runs.Should().Be(0, "resolving an identity never runs the plugin");
        _server.Requests.Should().BeEmpty("resolving an identity makes no call");
    }

    [Fact]
    public async Task The_AWS_profile_in_the_plugins_exec_env_wins_over_the_users_and_its_keys_are_what_counts()
    {
        var aws = new AwsCli(_world.Home);
        await SetAwsKeysAsync(aws, "team");
        await SetAwsKeysAsync(aws, "other");
        await UseExecContextAsync("aws", "--exec-arg=eks", "--exec-arg=get-token", "--exec-arg=--cluster-name", "--exec-arg=c", "--exec-env=AWS_PROFILE=team");

        var first = Fingerprint();
        _world.Set("AWS_PROFILE", "other");
        var userSwitched = Fingerprint();
        await SetAwsKeysAsync(aws, "other");
        var otherRotated = Fingerprint();
        await SetAwsKeysAsync(aws, "team");
        var teamRotated = Fingerprint();

        userSwitched.Should().Be(first, "the exec env pins the plugin's profile to team");
        otherRotated.Should().Be(first, "the other profile's keys are not the plugin's");
        teamRotated.Should().NotBe(first, "the team profile's keys are the plugin's");
    }
}
