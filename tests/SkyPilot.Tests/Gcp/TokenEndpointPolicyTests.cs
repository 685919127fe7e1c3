using System.Text.RegularExpressions;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.Tests.Support;

namespace SkyPilot.Tests.Gcp;

/// <summary>
/// Google.Apis.Auth's token requests go through the one policy (<see cref="PolicyHttpClientFactory"/>): our retries and
/// classification, our redacted trace, and none of the library's own backoff.
/// </summary>
public sealed class TokenEndpointPolicyTests : IAsyncLifetime
{
    private static readonly Regex IssuedToken = new("fake-[0-9a-f]{32}");
    private readonly RecordingLog _log = new();
    private GcpWorld _world = null!;
    private ServiceAccountKey _key = null!;

    public async Task InitializeAsync()
    {
        _world = await GcpWorld.StartAsync();
        _key = _world.ServiceAccount("a", "proj", GcpWorld.AllPermissions());
        _world.UseKey("a");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task<Dictionary<Capability, CapabilityResult>> CheckAsync() =>
        (await new GcpCloudChecker(SharedHttpClient.Instance, _log).Resolve(_world.Environment()).CheckAsync([Capability.Storage], CancellationToken.None)).ToDictionary(r => r.Capability);

    private List<string> TokenTrace() => _log.Lines.Where(l => l.StartsWith("DEBUG: HTTP POST ", StringComparison.Ordinal) && l.Contains("/token ")).ToList();

    [Fact]
    public async Task A_token_endpoint_answering_503_then_200_is_retried_by_our_policy_and_traced_without_the_token()
    {
        _world.Server.InjectFault("/token", Fault.Status(503));

        var results = await CheckAsync();

        results[Capability.Storage].Status.Should().Be(CheckStatus.Allowed);
        _world.Server.CountRequests("/token").Should().Be(2);
        var trace = TokenTrace();
        trace.Should().HaveCount(2);
        trace[0].Should().Contain("-> 503");
        trace[1].Should().Contain("-> 200").And.Contain("attempt 2");
        _log.Lines.Should().Contain(l => l.StartsWith("VERBOSE: POST ", StringComparison.Ordinal) && l.Contains("/token: HTTP 503; retrying in"));
        _log.Lines.Should().NotContain(l => IssuedToken.IsMatch(l) || l.Contains("assertion=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_token_endpoint_that_keeps_failing_gets_MaxAttempts_requests_not_the_librarys_retries_on_top()
    {
        _world.Set("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "2");
        _world.Server.InjectFault("/token", Fault.Status(503), times: 50);

        var results = await CheckAsync();

        results[Capability.Storage].Status.Should().Be(CheckStatus.Unreachable);
        results[Capability.Storage].Reason.Should().Contain("token endpoint").And.Contain("503");
        _world.Server.CountRequests("/token").Should().Be(2, "Google.Apis.Auth's own backoff would retry a 503 up to 10 more times");
        TokenTrace().Should().HaveCount(2);
    }

    [Fact]
    public async Task A_refused_key_is_still_authentication_failed_after_one_request()
    {
        _world.Server.RefuseKey(_key);

        var results = await CheckAsync();

        results[Capability.Storage].Status.Should().Be(CheckStatus.AuthenticationFailed);
        _world.Server.CountRequests("/token").Should().Be(1, "a 4xx from the token endpoint is an answer, not a transient failure");
    }
}
