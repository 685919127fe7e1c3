using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Grpc;
using SkyPilot.Core.Nebius;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Nebius;

public sealed class NebiusEditionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private SkyEnvironment Env(params (string, string)[] extra) =>
        new(new Dictionary<string, string>(extra.Select(e => new KeyValuePair<string, string>(e.Item1, e.Item2))) { ["HOME"] = _temp.Path }, _temp.Path, isWindows: false);

    /// <summary>What the netstandard2.0 build (Windows PowerShell 5.1) gets: a caller that cannot speak gRPC.</summary>
    private sealed class NoGrpc : IGrpcCaller
    {
        public bool IsSupported => false;

        public Grpc.Core.CallInvoker Invoker(Uri address, TimeSpan attemptTimeout) => throw new InvalidOperationException("must not be called");
    }

    [Fact]
    public async Task Without_http2_the_file_checks_run_and_the_api_check_is_unavailable_not_failed()
    {
        _temp.WriteFile(".nebius/NEBIUS_IAM_TOKEN.txt", "v0.token\n");
        _temp.WriteFile(".nebius/NEBIUS_TENANT_ID.txt", "tenant-e00abc\n");

        var result = (await new NebiusCloudChecker(new NoGrpc()).Resolve(Env()).CheckAsync([Capability.Compute], default)).Single();

        result.Status.Should().Be(CheckStatus.Unavailable);
        result.Reason.Should().Contain("Windows PowerShell 5.1");
        result.Hint.Should().Contain("PowerShell 7");
    }

    [Fact]
    public async Task Without_http2_a_missing_token_is_still_reported_as_missing()
    {
        var result = (await new NebiusCloudChecker(new NoGrpc()).Resolve(Env()).CheckAsync([Capability.Compute], default)).Single();

        result.Status.Should().Be(CheckStatus.NoCredentials);
    }

    [Fact]
    public void The_endpoint_follows_NEBIUS_ENDPOINT_then_the_domain_file_then_the_default()
    {
        new NebiusEndpoints(Env(), null).Iam.Should().Be(new Uri("https://cpl.iam.api.nebius.cloud:443/"));
        new NebiusEndpoints(Env(), "api.eu.example:8443").Tokens.Should().Be(new Uri("https://tokens.iam.api.eu.example:8443/"));
        new NebiusEndpoints(Env(("NEBIUS_ENDPOINT", "http://127.0.0.1:5000")), "ignored").Iam.Should().Be(new Uri("http://127.0.0.1:5000/"));
    }

    [Fact]
    public void Token_format_rules()
    {
        NebiusTokenFormat.Check("v0.abc\r\n").Should().Be(("v0.abc", (string?)null, (string?)null));
        NebiusTokenFormat.Check("weird-prefix").Warning.Should().Contain("known Nebius prefix");
        NebiusTokenFormat.CheckTenant("tenant-e00abc").Should().BeNull();
        NebiusTokenFormat.CheckTenant("project-e00abc").Should().Contain("tenant-e00");
    }
}

public sealed class CheckIsolationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_broken_nebius_domain_file_is_a_nebius_result_and_gcp_is_still_checked()
    {
        _temp.WriteFile(".nebius/NEBIUS_IAM_TOKEN.txt", "v0.token\n");
        _temp.WriteFile(".nebius/NEBIUS_TENANT_ID.txt", "tenant-e00abc\n");
        _temp.WriteFile(".nebius/NEBIUS_DOMAIN.txt", "api.nebius.cloud 443\n");
        var env = new SkyEnvironment(new Dictionary<string, string> { ["HOME"] = _temp.Path, ["CLOUDSDK_CONFIG"] = _temp.Combine("gcloud"), ["SKYPILOT_PS_CACHE"] = "off" }, _temp.Path, isWindows: false);
        var service = CloudCheckService.CreateDefault(env, NullSkyLog.Instance);

        var results = await service.CheckAsync(env, null, [Capability.Compute], false, default);

        var nebius = results.Single(r => r.Cloud == "nebius").Compute!;
        nebius.Status.Should().Be(CheckStatus.ConfigurationError);
        nebius.Reason.Should().Contain("NEBIUS_DOMAIN.txt").And.Contain("api.nebius.cloud 443");
        results.Single(r => r.Cloud == "gcp").Compute!.Status.Should().Be(CheckStatus.NoCredentials);
    }
}
