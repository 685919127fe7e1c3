using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

[Collection(EngineCollection.Name)]
public sealed class GetSkyCloudIdentityTests(EngineWorld world, SharedSession session) : IClassFixture<SharedSession>
{
    [Fact]
    public void Emits_the_identity_locally_without_any_request()
    {
        using var env = world.UseGcp();
        var requests = world.Gcp.Server.Requests.Count;

        var identity = session.Run("Get-SkyCloudIdentity -Cloud gcp").ShouldSucceed().Output.Single();

        identity.TypeNames.Should().Contain("SkyPilot.Core.Identity.CloudIdentity");
        identity.Text("Account").Should().Be(world.Jobs.Email);
        identity.Text("Project").Should().Be("project-a");
        identity.Text("CredentialType").Should().Be("service_account");
        identity.Flag("CanExpire").Should().BeFalse();
        identity.Text("Fingerprint").Should().NotBeNullOrEmpty();
        world.Gcp.Server.Requests.Count.Should().Be(requests);
    }

    [Fact]
    public void A_broken_identity_is_still_emitted_with_its_problem_in_verbose()
    {
        using var env = world.UseGcp(("GOOGLE_APPLICATION_CREDENTIALS", world.Gcp.Temp.Combine("absent.json")));

        var result = session.Run("Get-SkyCloudIdentity -Cloud gcp -Verbose").ShouldSucceed();

        result.Output.Single().Text("Problem").Should().Contain("absent.json");
        result.Verbose.Should().Contain(v => v.Contains("does not exist"));
    }

    [Theory]
    [InlineData("gcp")]
    [InlineData("GCP")]
    [InlineData(" Gcp ")]
    public void Known_cloud_names_in_any_case_are_accepted(string name)
    {
        using var env = world.UseGcp();

        var result = session.Run("Get-SkyCloudIdentity -Cloud $args[0]", name).ShouldSucceed();

        result.Output.Single().Text("Cloud").Should().Be("gcp");
    }
}
