using System.Text.Json.Nodes;
using SkyPilot.Core;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Gcp;

/// <summary>
/// The account of user (authorized_user) Application Default Credentials: learned once from tokeninfo, remembered by
/// credential digest, reported and compared with gcloud's account. Google.Apis.Auth sends authorized_user refreshes
/// to Google's real token host, so the checker tests get their token from the loopback server through the token-source
/// seam; tokeninfo, IAM and Compute are then called over HTTP for real.
/// </summary>
public sealed class AdcAccountTests : IAsyncLifetime
{
    private const string RefreshToken = "1//0g-refresh-SECRET-material-Abc123";
    private const string ClientSecret = "GOCSPX-client-SECRET-xyz";

    private GcpWorld _world = null!;
    private readonly RecordingLog _log = new();

    public async Task InitializeAsync()
    {
        _world = await GcpWorld.StartAsync();
        _world.Set("CLOUDSDK_API_ENDPOINT_OVERRIDES_OAUTH2", _world.Server.BaseUrl + "/");
        _world.Set("GOOGLE_CLOUD_PROJECT", "proj");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private SkyEnvironment Env => _world.Environment();

    private string StorePath => Path.Combine(_world.Home, ".sky", AdcAccountStore.FileName);

    /// <summary>Writes a user login file (unique content per call) and points GOOGLE_APPLICATION_CREDENTIALS at it.</summary>
    private byte[] UseUserLogin(string name = "adc")
    {
        var json = new JsonObject
        {
            ["type"] = "authorized_user",
            ["client_id"] = "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
            ["client_secret"] = ClientSecret,
            ["refresh_token"] = RefreshToken + "-" + Guid.NewGuid().ToString("N"),
        }.ToJsonString();
        var path = _world.Temp.WriteFile(Path.Combine("adc", name + ".json"), json);
        _world.Set("GOOGLE_APPLICATION_CREDENTIALS", path);
        return File.ReadAllBytes(path);
    }

    private static void Remember(SkyEnvironment env, byte[] credential, string email) =>
        AdcAccountStore.For(env).Remember(AdcAccountStore.DigestOf(credential), email, DateTimeOffset.UtcNow).Should().BeTrue();

    private GcpCloudChecker Checker(string tokenFor) =>
        new(SharedHttpClient.Instance, _log, null, new IssuedTokens(_world.Server, tokenFor));

    private async Task<Dictionary<Capability, CapabilityResult>> CheckAsync(string tokenFor) =>
        (await Checker(tokenFor).Resolve(Env).CheckAsync([Capability.Compute, Capability.Storage], CancellationToken.None)).ToDictionary(r => r.Capability);

    /// <summary>Tokens the loopback server issued for an account, standing in for Google's refresh of a user login.</summary>
    private sealed class IssuedTokens(FakeGoogleServer server, string account) : IGoogleTokenSource
    {
        public Task<string> GetAccessTokenAsync(AdcCredential credential, CancellationToken cancellationToken) =>
            Task.FromResult(server.IssueStaticToken(account));
    }

    // ---- the store ----

    [Fact]
    public void The_store_round_trips_emails_by_credential_digest_in_the_state_directory()
    {
        var state = _world.Temp.Combine("state");
        _world.Set("SKYPILOT_PS_CACHE_DIR", state);
        var store = AdcAccountStore.For(Env);
        store.Path.Should().Be(Path.Combine(state, "powershell-adc-accounts.json"));

        store.Remember("digest-a", "alice@example.com", DateTimeOffset.UtcNow).Should().BeTrue();
        store.Remember("digest-b", "bob@example.com", DateTimeOffset.UtcNow).Should().BeTrue();

        var reread = AdcAccountStore.For(Env);
        reread.Find("digest-a").Should().Be("alice@example.com");
        reread.Find("digest-b").Should().Be("bob@example.com");
        reread.Find("digest-c").Should().BeNull();
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(store.Path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public static TheoryData<string, byte[]> DamagedStores() => new()
    {
        { "truncated", "{\"format\":\"skypilot-powershell/adc-accounts\",\"version\":1,\"accounts\":{\"d\":{\"em"u8.ToArray() },
        { "random bytes", Enumerable.Range(0, 512).Select(i => (byte)((i * 7919) % 251)).ToArray() },
        { "a JSON array", "[1,2,3]"u8.ToArray() },
        { "foreign version", "{\"format\":\"skypilot-powershell/adc-accounts\",\"version\":99,\"accounts\":{\"d\":{\"email\":\"x@y.com\"}}}"u8.ToArray() },
        { "email not a string", "{\"format\":\"skypilot-powershell/adc-accounts\",\"version\":1,\"accounts\":{\"d\":{\"email\":[\"x@y.com\"]}}}"u8.ToArray() },
        { "empty", [] },
    };

    [Theory]
    [MemberData(nameof(DamagedStores))]
    public void A_damaged_store_reads_as_empty_and_is_rewritten(string what, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        File.WriteAllBytes(StorePath, content);
        var store = AdcAccountStore.For(Env);

        store.Find("d").Should().BeNull(what);
        store.Remember("d2", "carol@example.com", DateTimeOffset.UtcNow).Should().BeTrue(what);
        AdcAccountStore.For(Env).Find("d2").Should().Be("carol@example.com", what);
    }

    [Fact]
    public void An_unwritable_store_is_a_false_return_not_an_exception()
    {
        var blocker = _world.Temp.WriteFile("not-a-directory", "a file where the state directory should be");
        _world.Set("SKYPILOT_PS_CACHE_DIR", blocker);
        var store = AdcAccountStore.For(Env);

        store.Remember("d", "dave@example.com", DateTimeOffset.UtcNow).Should().BeFalse();
        store.Find("d").Should().BeNull();
    }

    [Fact]
    public void The_store_holds_digests_and_emails_only_never_credential_material()
    {
        var credential = UseUserLogin();
        Remember(Env, credential, "alice@example.com");

        var text = File.ReadAllText(StorePath);
        text.Should().NotContainAny("SECRET", "refresh", "client_secret", "GOCSPX", "apps.googleusercontent.com", "1//");
        var accounts = JsonNode.Parse(text)!["accounts"]!.AsObject();
        accounts.Should().ContainSingle();
        accounts.Single().Key.Should().MatchRegex("^[0-9a-f]{32}$").And.Be(AdcAccountStore.DigestOf(credential));
        accounts.Single().Value!.AsObject().Select(p => p.Key).Should().BeEquivalentTo("email", "learnedAt");
        accounts.Single().Value!["email"]!.GetValue<string>().Should().Be("alice@example.com");
    }

    // ---- tokeninfo ----

    private TokenInfoClient TokenInfo(SkyEnvironment env)
    {
        var endpoints = new GoogleEndpoints(env, GcpIdentityResolver.ResolveDetailed(env).Gcloud.Properties);
        return new TokenInfoClient(new RetryingHttpSender(SharedHttpClient.Instance, HttpSettings.FromEnvironment(env), _log), endpoints.BaseUrl(GoogleApi.OAuth2));
    }

    [Fact]
    public async Task Tokeninfo_names_the_email_of_a_token_the_server_issued()
    {
        var token = _world.Server.IssueStaticToken("alice@example.com");

        var info = await TokenInfo(Env).GetAsync(token, CancellationToken.None);

        info.Email.Should().Be("alice@example.com");
        info.EmailVerified.Should().BeTrue();
        info.Scope.Should().Contain("https://www.googleapis.com/auth/userinfo.email");
        info.ExpiresIn.Should().BeInRange(1, 3600);
        _world.Server.Requests.Should().ContainSingle(r => r.Method == "GET" && r.Path == "/tokeninfo");
        _log.Lines.Should().NotContain(l => l.Contains(token));
    }

    [Fact]
    public async Task Tokeninfo_refusing_a_token_is_an_api_exception_with_the_oauth_error_and_no_token()
    {
        var act = () => TokenInfo(Env).GetAsync("not-a-token-we-issued", CancellationToken.None);

        var thrown = (await act.Should().ThrowAsync<GoogleApiException>()).Which;
        thrown.Error.StatusCode.Should().Be(400);
        thrown.Message.Should().Contain("invalid_token").And.NotContain("not-a-token-we-issued");
        _log.Lines.Should().NotContain(l => l.Contains("not-a-token-we-issued"));
    }

    [Fact]
    public void The_oauth2_endpoint_follows_the_override_convention_and_defaults_to_googles()
    {
        TokenInfoEndpoint(Env).Should().Be(_world.Server.BaseUrl);
        _world.Set("CLOUDSDK_API_ENDPOINT_OVERRIDES_OAUTH2", null);
        TokenInfoEndpoint(Env).Should().Be("https://oauth2.googleapis.com");

        static string TokenInfoEndpoint(SkyEnvironment env) =>
            new GoogleEndpoints(env, GcpIdentityResolver.ResolveDetailed(env).Gcloud.Properties).BaseUrl(GoogleApi.OAuth2);
    }

    // ---- the resolver (local) ----

    [Fact]
    public void A_user_login_reports_the_stored_email_as_its_account()
    {
        var credential = UseUserLogin();
        GcpIdentityResolver.Resolve(Env).Account.Should().BeNull("nothing is stored yet");

        Remember(Env, credential, "alice@example.com");
        var identity = GcpIdentityResolver.Resolve(Env);

        identity.Account.Should().Be("alice@example.com");
        identity.DisplayName.Should().Be("alice@example.com [project_id=proj]");
        identity.CredentialType.Should().Be("authorized_user");
        identity.CanExpire.Should().BeTrue();
        identity.Warnings.Should().BeEmpty();
    }

    [Fact]
    public void A_gcloud_account_other_than_the_stored_one_is_a_warning_and_the_same_one_is_not()
    {
        Remember(Env, UseUserLogin(), "alice@example.com");

        _world.Set("CLOUDSDK_CORE_ACCOUNT", "bob@example.com");
        var identity = GcpIdentityResolver.Resolve(Env);
        identity.GcloudAccount.Should().Be("bob@example.com");
        identity.Warnings.Should().ContainSingle().Which.Should()
            .Contain("gcloud's active account is bob@example.com").And.Contain("act as alice@example.com");

        _world.Set("CLOUDSDK_CORE_ACCOUNT", "Alice@Example.com");
        GcpIdentityResolver.Resolve(Env).Warnings.Should().BeEmpty();
    }

    [Fact]
    public void A_new_user_login_with_another_stored_email_invalidates_the_cache_as_an_account_change()
    {
        Remember(Env, UseUserLogin("first"), "alice@example.com");
        var was = GcpIdentityResolver.Resolve(Env);
        var entry = new CacheEntry { Cloud = "gcp", Fingerprint = was.Fingerprint, Identity = was, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1) };

        var second = UseUserLogin("second");
        CacheValidity.WhyInvalid(entry, GcpIdentityResolver.Resolve(Env), DateTimeOffset.UtcNow)
            .Should().StartWith("credential", "the new login's account is not known yet, which is no account change");

        Remember(Env, second, "bob@example.com");
        CacheValidity.WhyInvalid(entry, GcpIdentityResolver.Resolve(Env), DateTimeOffset.UtcNow)
            .Should().Be("account changed: alice@example.com → bob@example.com");
    }

    // ---- the checker ----

    [Fact]
    public async Task The_checker_learns_a_user_logins_account_once_and_reports_it_with_a_user_member_hint()
    {
        var credential = UseUserLogin();
        _world.Server.Grant("alice@example.com", "proj", GcpWorld.AllPermissions().Except(["compute.firewalls.create"]));
        _world.Set("CLOUDSDK_CORE_ACCOUNT", "bob@example.com");
        var before = GcpIdentityResolver.Resolve(Env);
        before.Account.Should().BeNull();

        var results = await CheckAsync("alice@example.com");

        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed, results[Capability.Storage].Reason);
        results[Capability.Compute].Status.Should().Be(CheckStatus.MissingPermissions);
        results[Capability.Compute].Hint.Should().Contain("--member=user:alice@example.com --role=roles/compute.");
        results.Values.Should().OnlyContain(r => r.Identity.Account == "alice@example.com" && r.Identity.Fingerprint == before.Fingerprint);
        results[Capability.Compute].Identity.Warnings.Should().ContainSingle(w => w.Contains("bob@example.com") && w.Contains("act as alice@example.com"));
        _world.Server.CountRequests("/tokeninfo").Should().Be(1);
        AdcAccountStore.For(Env).Find(AdcAccountStore.DigestOf(credential)).Should().Be("alice@example.com");
        GcpIdentityResolver.Resolve(Env).Account.Should().Be("alice@example.com", "the account is now known locally");

        var again = await CheckAsync("alice@example.com");

        again[Capability.Storage].Identity.Account.Should().Be("alice@example.com");
        _world.Server.CountRequests("/tokeninfo").Should().Be(1, "the account is learned once per credential");
    }

    [Fact]
    public async Task A_failing_tokeninfo_never_fails_the_check_and_is_a_verbose_line()
    {
        UseUserLogin();
        _world.Server.Grant("alice@example.com", "proj", GcpWorld.AllPermissions());
        _world.Server.InjectFault("/tokeninfo", Fault.DropConnection(), times: 2);

        var results = await CheckAsync("alice@example.com");

        results.Values.Should().OnlyContain(r => r.Status == CheckStatus.Allowed && r.Identity.Account == null);
        _log.Lines.Should().Contain(l => l.StartsWith("VERBOSE: tokeninfo failed"));
        File.Exists(StorePath).Should().BeFalse();

        // A network failure is not remembered: the next check asks again and learns the account.
        var later = await CheckAsync("alice@example.com");
        later.Values.Should().OnlyContain(r => r.Identity.Account == "alice@example.com");
    }

    [Fact]
    public async Task A_token_without_an_email_scope_leaves_the_account_unknown_and_is_not_asked_again()
    {
        UseUserLogin();
        _world.Server.Grant("alice@example.com", "proj", GcpWorld.AllPermissions());
        _world.Server.InjectFault("/tokeninfo", Fault.Status(200, body: """{"azp":"c","aud":"c","sub":"1","scope":"https://www.googleapis.com/auth/cloud-platform","exp":"1999999999","expires_in":"3599"}"""));

        var results = await CheckAsync("alice@example.com");
        results.Values.Should().OnlyContain(r => r.Status == CheckStatus.Allowed && r.Identity.Account == null);
        results[Capability.Compute].Identity.DisplayName.Should().Be("(authorized_user) [project_id=proj]");
        _log.Lines.Should().Contain(l => l.StartsWith("VERBOSE: tokeninfo names no email") && l.Contains("cloud-platform"));

        await CheckAsync("alice@example.com");
        _world.Server.CountRequests("/tokeninfo").Should().Be(1);
    }

    [Fact]
    public async Task A_service_account_key_names_its_account_and_never_asks_tokeninfo()
    {
        _world.ServiceAccount("sa", "proj", GcpWorld.AllPermissions());
        _world.UseKey("sa");

        var results = await new GcpCloudChecker(SharedHttpClient.Instance, _log).Resolve(Env).CheckAsync([Capability.Compute, Capability.Storage], CancellationToken.None);

        results.Should().OnlyContain(r => r.Status == CheckStatus.Allowed && r.Identity.Account == "sa@proj.iam.gserviceaccount.com");
        _world.Server.CountRequests("/tokeninfo").Should().Be(0);
        File.Exists(StorePath).Should().BeFalse();
    }
}
