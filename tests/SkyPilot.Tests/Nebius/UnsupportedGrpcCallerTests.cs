using SkyPilot.Core.Grpc;
using SkyPilot.Core.Nebius.Wire;

namespace SkyPilot.Tests.Nebius;

/// <summary>The netstandard2.0 build's caller (Windows PowerShell 5.1): a generated client on it fails before anything is sent.</summary>
public sealed class UnsupportedGrpcCallerTests
{
    [Fact]
    public void Every_call_fails_saying_PowerShell_7_is_needed()
    {
        var caller = new UnsupportedGrpcCaller();
        var client = new ProjectService.ProjectServiceClient(caller.Invoker(new Uri("https://cpl.iam.api.nebius.cloud:443/"), TimeSpan.FromSeconds(5)));

        caller.IsSupported.Should().BeFalse();
        var call = () => client.ListAsync(new ListProjectsRequest { ParentId = "tenant-e00abc" });
        call.Should().Throw<PlatformNotSupportedException>().WithMessage("*PowerShell 7*");
    }
}
