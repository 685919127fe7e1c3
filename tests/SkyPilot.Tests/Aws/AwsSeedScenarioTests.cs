using SkyPilot.Core;
using SkyPilot.Core.Aws;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Aws;

/// <summary>
/// The seed failure on AWS, through the check service and its cache: identity A is allowed and cached; the real CLI
/// switches to identity B, which cannot launch; the next check without -Refresh shows B's missing permission.
/// And SSO, with a stub of the one thing moto lacks (the portal's GetRoleCredentials).
/// </summary>
public sealed class AwsSeedScenarioTests : IClassFixture<MotoFixture>, IAsyncLifetime
{
    private readonly MotoFixture _moto;
    private readonly AwsWorld _world;
    private FakeSsoPortal _portal = null!;

    public AwsSeedScenarioTests(MotoFixture moto)
    {
        _moto = moto;
        _world = new AwsWorld(moto.Endpoint);
    }

    public async Task InitializeAsync()
    {
        _portal = await FakeSsoPortal.StartAsync();
        _world.Set("AWS_ENDPOINT_URL_SSO", _portal.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _world.Dispose();
    }

    private CloudCheckService Service() => new([new AwsCloudChecker(SharedHttpClient.Instance, NullSkyLog.Instance)], new CheckCache(CacheSettings.FromEnvironment(_world.Environment()), NullSkyLog.Instance));

    private async Task<CloudCheckResult> CheckAsync(CloudCheckService? service = null) =>
        (await (service ?? Service()).CheckAsync(_world.Environment(), [KnownClouds.Aws], null, refresh: false, CancellationToken.None)).Single();

    [Fact]
    public async Task Switching_keys_with_the_CLI_shows_Bs_missing_RunInstances_without_refresh()
    {
        await _world.ConfigureAsync("default", _moto.Alice);
        (await CheckAsync()).Compute!.Allowed.Should().BeTrue();
        (await CheckAsync()).FromCache.Should().BeTrue();

        await _world.ConfigureAsync("default", _moto.Bob);
        var after = await CheckAsync();

        after.FromCache.Should().BeFalse();
        after.Compute!.Status.Should().Be(CheckStatus.MissingPermissions);
        after.Compute.MissingPermissions.Should().Equal(AwsPermissions.RunInstances);
        after.Identity.Account.Should().Be(_moto.Bob.Arn);
        after.Storage!.Allowed.Should().BeTrue();
    }

    [Fact]
    public async Task Switching_profiles_shows_B_and_the_cache_says_the_profile_changed()
    {
        await _world.ConfigureAsync("dev", _moto.Alice);
        await _world.ConfigureAsync("prod", _moto.Bob);
        _world.Set("AWS_PROFILE", "dev");
        var service = Service();
        (await CheckAsync(service)).Compute!.Allowed.Should().BeTrue();

        _world.Set("AWS_PROFILE", "prod");
        var entries = service.Cache!.Read().Validate(cloud => service.ResolveIdentity(cloud, _world.Environment()), DateTimeOffset.UtcNow);
        var after = await CheckAsync(service);

        entries.Should().Contain(e => e.Cloud == "aws" && !e.IsValid && e.InvalidReason == "profile changed: dev → prod");
        after.FromCache.Should().BeFalse();
        after.Compute!.MissingPermissions.Should().Equal(AwsPermissions.RunInstances);
    }

    [Fact]
    public async Task An_SSO_login_is_used_through_the_portal_and_a_new_login_is_seen_at_once()
    {
        WriteSsoProfile();
        var cache = AwsLocalState.SsoCachePath(_world.Environment(), "corp");
        _portal.Accept("token-alice", await _moto.World.AssumeAsync(_moto.RoleArn, _world.Home));
        _portal.Accept("token-bob", await _moto.World.AssumeAsync(_moto.ViewerRoleArn, _world.Home));
        AwsIdentityTests.WriteSsoToken(cache, "token-alice", DateTimeOffset.UtcNow.AddHours(8));
        _world.Set("AWS_PROFILE", "dev");
        var first = await CheckAsync();

        // "aws sso login" as another user rewrites the cache file: the next check uses it (SkyPilot #7774).
        AwsIdentityTests.WriteSsoToken(cache, "token-bob", DateTimeOffset.UtcNow.AddHours(8));
        var second = await CheckAsync();

        first.Compute!.Allowed.Should().BeTrue(first.Compute.Reason);
        first.Identity.CredentialType.Should().Be("sso");
        second.FromCache.Should().BeFalse();
        second.Compute!.MissingPermissions.Should().Equal(AwsPermissions.RunInstances);
        _portal.Requests.Should().Contain(("123456789012", "Admin"));
    }

    [Fact]
    public async Task An_expired_SSO_login_says_run_aws_sso_login_and_calls_nothing()
    {
        WriteSsoProfile();
        AwsIdentityTests.WriteSsoToken(AwsLocalState.SsoCachePath(_world.Environment(), "corp"), "token-alice", DateTimeOffset.UtcNow.AddMinutes(-1));
        _world.Set("AWS_PROFILE", "dev");

        var result = await CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.CredentialsExpired);
        result.Compute.Hint.Should().Be("run: aws sso login --profile dev");
        result.Storage!.Status.Should().Be(CheckStatus.CredentialsExpired);
        _portal.Calls.Should().Be(0);
    }

    [Fact]
    public async Task A_login_the_portal_no_longer_accepts_is_expired_with_the_login_command()
    {
        WriteSsoProfile();
        AwsIdentityTests.WriteSsoToken(AwsLocalState.SsoCachePath(_world.Environment(), "corp"), "revoked-token", DateTimeOffset.UtcNow.AddHours(1));
        _world.Set("AWS_PROFILE", "dev");

        var result = await CheckAsync();

        result.Compute!.Status.Should().Be(CheckStatus.CredentialsExpired);
        result.Compute.Reason.Should().Contain("HTTP 401");
        result.Compute.Hint.Should().Be("run: aws sso login --profile dev");
    }

    [Fact]
    public async Task The_stub_portal_and_cache_layout_are_what_the_real_CLI_reads()
    {
        WriteSsoProfile();
        var session = await _moto.World.AssumeAsync(_moto.RoleArn, _world.Home);
        _portal.Accept("token-alice", session);
        AwsIdentityTests.WriteSsoToken(AwsLocalState.SsoCachePath(_world.Environment(), "corp"), "token-alice", DateTimeOffset.UtcNow.AddHours(8));

        var output = await _world.Cli.RunAsync("sts", "get-caller-identity", "--profile", "dev", "--output", "text", "--query", "Arn");

        output.Trim().Should().Be(session.Arn);
        _portal.Calls.Should().BeGreaterThan(0);
    }

    private void WriteSsoProfile() =>
        _world.WriteFile(".aws/config", "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n");
}
