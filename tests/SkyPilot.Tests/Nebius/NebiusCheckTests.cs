using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Nebius;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Nebius;

/// <summary>The Nebius checks against the real-grpcio fake IAM: credentials read at every use, errors mapped with hints.</summary>
public sealed class NebiusCheckTests : IAsyncLifetime
{
    private readonly RecordingLog _log = new();
    private readonly ManualClock _clock = new() { Now = DateTimeOffset.UtcNow };
    private NebiusWorld _world = null!;

    public async Task InitializeAsync() => _world = await NebiusWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private NebiusCloudChecker Checker() => new(NebiusCloudChecker.DefaultCaller(_log), _clock.Func);

    private async Task<CapabilityResult> ComputeAsync(NebiusCloudChecker? checker = null) =>
        (await (checker ?? Checker()).Resolve(_world.Environment()).CheckAsync([Capability.Compute], CancellationToken.None)).Single();

    [Fact]
    public async Task A_valid_token_for_the_tenant_is_allowed_and_names_the_account()
    {
        _world.WriteToken(await _world.IssueTokenAsync() + "\n");
        _world.WriteTenant(NebiusWorld.Tenant + "\n");

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.Allowed, result.Reason);
        result.Reason.Should().Contain("2 found");
        result.Identity.Account.Should().Be("ada@example.com");
        result.Identity.Project.Should().Be(NebiusWorld.Tenant);
        result.Identity.CanExpire.Should().BeTrue();
        var calls = await _world.Server.CallsAsync();
        calls.Should().Contain(c => c.Method == NebiusGrpcServer.ProjectServiceList && c.ParentId == NebiusWorld.Tenant && c.HadAuthorization && c.StatusCode == 0);
        calls.Should().Contain(c => c.Method == NebiusGrpcServer.ProfileServiceGet && c.DeadlineSeconds > 0);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("  \n\n")]
    public async Task Tokens_with_trailing_newlines_or_CRLF_work(string ending)
    {
        _world.WriteToken(await _world.IssueTokenAsync() + ending);
        _world.WriteTenant(NebiusWorld.Tenant + ending);

        (await ComputeAsync()).Status.Should().Be(CheckStatus.Allowed);
    }

    [Fact]
    public async Task One_checker_sees_a_replaced_token_file_at_the_very_next_check()
    {
        var checker = Checker();
        _world.WriteTenant(NebiusWorld.Tenant);
        _world.WriteToken(await _world.IssueTokenAsync());
        (await ComputeAsync(checker)).Status.Should().Be(CheckStatus.Allowed);

        _world.WriteToken(await _world.IssueExpiredJwtAsync());
        var expired = await ComputeAsync(checker);

        expired.Status.Should().Be(CheckStatus.CredentialsExpired);
        expired.Reason.Should().Contain("expired").And.NotContain("16");
        expired.Hint.Should().Contain("nebius iam get-access-token");
    }

    [Fact]
    public async Task Missing_token_file_hints_get_access_token()
    {
        _world.WriteTenant(NebiusWorld.Tenant);

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.NoCredentials);
        result.Hint.Should().Be("nebius iam get-access-token > ~/.nebius/NEBIUS_IAM_TOKEN.txt");
        (await _world.Server.CallsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Missing_tenant_hints_whoami_with_jq()
    {
        _world.WriteToken(await _world.IssueTokenAsync());

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.NoProject);
        result.Hint.Should().Contain("nebius --format json iam whoami | jq -r '.user_profile.tenants[0].tenant_id'");
    }

    [Fact]
    public async Task A_malformed_token_file_is_invalid_credentials_without_quoting_it()
    {
        _world.WriteToken("v0.abc def\n");
        _world.WriteTenant(NebiusWorld.Tenant);

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.InvalidCredentials);
        result.Reason.Should().Contain("contains spaces").And.NotContain("abc def");
    }

    [Fact]
    public async Task An_unknown_token_is_rejected_as_expired_or_invalid()
    {
        _world.WriteToken("v0.not-a-token-the-server-knows");
        _world.WriteTenant(NebiusWorld.Tenant);

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.AuthenticationFailed);
        result.Reason.Should().Contain("expired or is invalid");
    }

    [Fact]
    public async Task Another_tenants_id_is_permission_denied()
    {
        _world.WriteToken(await _world.IssueTokenAsync());
        _world.WriteTenant(NebiusWorld.OtherTenant);

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.MissingPermissions);
        result.Reason.Should().Contain("token is valid but has no access to tenant " + NebiusWorld.OtherTenant);
    }

    [Fact]
    public async Task An_unknown_tenant_is_a_wrong_tenant_id()
    {
        _world.WriteToken(await _world.IssueTokenAsync());
        _world.WriteTenant("tenant-e00nosuchtenant");

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.ProjectNotFound);
        result.Reason.Should().Contain("wrong tenant id");
        result.Hint.Should().Contain("whoami");
    }

    [Theory]
    [InlineData(3, CheckStatus.ProjectNotFound, "wrong tenant id")]
    [InlineData(5, CheckStatus.ProjectNotFound, "wrong tenant id")]
    [InlineData(7, CheckStatus.MissingPermissions, "no access to tenant")]
    [InlineData(16, CheckStatus.AuthenticationFailed, "expired or is invalid")]
    [InlineData(14, CheckStatus.Unreachable, "could not be reached (UNAVAILABLE")]
    public async Task Each_grpc_status_maps_to_a_reason_and_hint(int code, CheckStatus expected, string reason)
    {
        _world.WriteToken(await _world.IssueTokenAsync());
        _world.WriteTenant(NebiusWorld.Tenant);
        await _world.Server.FailNextAsync(NebiusGrpcServer.ProjectServiceList, code, "injected");

        var result = await ComputeAsync();

        result.Status.Should().Be(expected);
        result.Reason.Should().Contain(reason).And.Contain("injected");
        result.Hint.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_server_slower_than_the_deadline_is_deadline_exceeded_with_retry_advice()
    {
        _world.WriteToken(await _world.IssueTokenAsync());
        _world.WriteTenant(NebiusWorld.Tenant);
        _world.Set("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "0.5");
        await _world.Server.DelayNextAsync(NebiusGrpcServer.ProjectServiceList, TimeSpan.FromSeconds(5));

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.Unreachable);
        result.Reason.Should().Contain("DEADLINE_EXCEEDED");
        result.Hint.Should().Contain("retry");
    }

    [Fact]
    public async Task An_endpoint_that_refuses_connections_is_unavailable()
    {
        _world.WriteToken(await _world.IssueTokenAsync());
        _world.WriteTenant(NebiusWorld.Tenant);
        _world.Set("NEBIUS_ENDPOINT", "http://127.0.0.1:1");

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.Unreachable);
        result.Reason.Should().Contain("UNAVAILABLE");
    }

    [Fact]
    public async Task A_service_account_key_is_exchanged_and_the_token_renewed_shortly_before_expiry()
    {
        _world.WriteTenant(NebiusWorld.Tenant);
        var kid = await _world.WriteServiceAccountKeyAsync();
        await _world.Server.SetTokenLifetimeAsync(TimeSpan.FromHours(1));
        var checker = Checker();

        (await ComputeAsync(checker)).Status.Should().Be(CheckStatus.Allowed);
        _clock.Advance(TimeSpan.FromMinutes(50));
        (await ComputeAsync(checker)).Status.Should().Be(CheckStatus.Allowed);
        var exchanges = (await _world.Server.CallsAsync()).Where(c => c.Method == NebiusGrpcServer.TokenExchangeServiceExchange).ToList();
        exchanges.Should().ContainSingle("the token is reused while it has more than the renewal margin left").Which.KeyId.Should().Be(kid);

        _clock.Advance(TimeSpan.FromMinutes(6));
        (await ComputeAsync(checker)).Status.Should().Be(CheckStatus.Allowed);
        (await _world.Server.CallsAsync()).Count(c => c.Method == NebiusGrpcServer.TokenExchangeServiceExchange).Should().Be(2);
    }

    [Fact]
    public async Task A_key_the_exchange_does_not_know_is_authentication_failed()
    {
        _world.WriteTenant(NebiusWorld.Tenant);
        await _world.WriteServiceAccountKeyAsync();
        // Replace the key with a fresh, unregistered one under the same name.
        var rsa = System.Security.Cryptography.RSA.Create(2048);
        var path = Path.Combine(_world.NebiusDirectory, "credentials.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        json["subject-credentials"]!["private-key"] = rsa.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(path, json.ToJsonString());

        var result = await ComputeAsync();

        result.Status.Should().Be(CheckStatus.AuthenticationFailed);
        result.Reason.Should().Contain("could not be exchanged");
    }

    [Fact]
    public async Task Storage_needs_the_nebius_aws_profile()
    {
        var env = _world.Environment();
        var before = (await Checker().Resolve(env).CheckAsync([Capability.Storage], default)).Single();
        before.Status.Should().Be(CheckStatus.NoCredentials);
        before.Hint.Should().Contain("aws configure --profile nebius");

        _world.WriteAwsProfiles();

        (await Checker().Resolve(env).CheckAsync([Capability.Storage], default)).Single().Status.Should().Be(CheckStatus.Allowed);
    }

    [Fact]
    public async Task The_fingerprint_changes_when_the_token_file_changes_and_never_contains_the_token()
    {
        var token = await _world.IssueTokenAsync();
        _world.WriteToken(token);
        _world.WriteTenant(NebiusWorld.Tenant);
        var before = Checker().ResolveIdentity(_world.Environment());

        _world.WriteToken(await _world.IssueTokenAsync());
        var after = Checker().ResolveIdentity(_world.Environment());

        after.Fingerprint.Should().NotBe(before.Fingerprint);
        before.Fingerprint.Should().NotContain(token);
        before.CredentialDigest.Should().NotBeNull().And.NotContain(token[3..12]);
    }

    [Fact]
    public async Task An_old_token_file_warns_before_it_expires()
    {
        _world.WriteToken(await _world.IssueTokenAsync());
        _world.WriteTenant(NebiusWorld.Tenant);
        File.SetLastWriteTimeUtc(_world.TokenFile, DateTime.UtcNow.AddHours(-11));

        var identity = Checker().ResolveIdentity(_world.Environment());

        identity.Warnings.Should().ContainSingle().Which.Should().Contain("expires soon");
        identity.CredentialExpiresAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task The_cache_never_serves_a_result_after_the_token_file_changed()
    {
        _world.WriteTenant(NebiusWorld.Tenant);
        _world.WriteToken(await _world.IssueTokenAsync());
        var env = _world.Environment();
        var service = new CloudCheckService([Checker()], new CheckCache(CacheSettings.FromEnvironment(env), _log, _clock.Func), _clock.Func);
        (await service.CheckAsync(env, ["nebius"], [Capability.Compute], false, default)).Single().Enabled.Should().BeTrue();
        (await service.CheckAsync(env, ["nebius"], [Capability.Compute], false, default)).Single().FromCache.Should().BeTrue();

        _world.WriteToken(await _world.IssueExpiredJwtAsync());
        var next = (await service.CheckAsync(env, ["nebius"], [Capability.Compute], false, default)).Single();

        next.FromCache.Should().BeFalse();
        next.Compute!.Status.Should().Be(CheckStatus.CredentialsExpired);
    }

    [Fact]
    public async Task No_token_reaches_the_debug_trace()
    {
        var token = await _world.IssueTokenAsync();
        _world.WriteToken(token);
        _world.WriteTenant(NebiusWorld.Tenant);

        await ComputeAsync();

        _log.Lines.Should().Contain(l => l.Contains("ProjectService/List -> OK"));
        _log.Lines.Should().NotContain(l => l.Contains(token));
    }
}
