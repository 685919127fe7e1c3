using SkyPilot.Core;
using SkyPilot.Core.Identity;
using SkyPilot.PowerShell.Commands;
using SkyPilot.PowerShell.Infrastructure;
using SkyPilot.Tests.Support;

namespace SkyPilot.Tests.Cmdlets;

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class GetSkyCloudIdentityCommandTests : IAsyncLifetime
{
    private GcpWorld _world = null!;

    public async Task InitializeAsync() => _world = await GcpWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public void Emits_the_identity_locally_without_any_request()
    {
        _world.ServiceAccount("a", "proj");
        _world.UseKey("a");
        var sink = new RecordingSink();

        using (new ProcessEnvironment(_world.Variables))
        {
            new GetSkyCloudIdentityCommand { Cloud = ["gcp"] }.Invoke(sink);
        }

        var identity = sink.Output.Should().ContainSingle().Which.Should().BeOfType<CloudIdentity>().Subject;
        identity.Account.Should().Be("a@proj.iam.gserviceaccount.com");
        identity.Project.Should().Be("proj");
        identity.CredentialType.Should().Be("service_account");
        identity.CanExpire.Should().BeFalse();
        identity.Fingerprint.Should().NotBeEmpty();
        _world.Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public void A_broken_identity_is_still_emitted_with_its_problem_in_verbose()
    {
        _world.Set("GOOGLE_APPLICATION_CREDENTIALS", _world.Temp.Combine("absent.json"));
        var sink = new RecordingSink();

        using (new ProcessEnvironment(_world.Variables))
        {
            new GetSkyCloudIdentityCommand { Cloud = ["gcp"] }.Invoke(sink);
        }

        ((CloudIdentity)sink.Output.Single()).Problem.Should().Contain("absent.json");
        sink.Verbose.Should().Contain(v => v.Contains("does not exist"));
    }

    [Theory]
    [InlineData("gcp")]
    [InlineData("GCP")]
    [InlineData(" Gcp ")]
    public void Known_cloud_names_in_any_case_are_valid(string name)
    {
        ValidateCloudNameAttribute.Check(new[] { name }).Should().BeNull();
    }

    [Fact]
    public void Unknown_cloud_names_are_rejected_with_the_valid_ones_listed()
    {
        ValidateCloudNameAttribute.Check(new[] { "gcp", "azurr" }).Should().Be("Unknown cloud 'azurr'. Valid clouds: " + string.Join(", ", KnownClouds.All) + ".");
        ValidateCloudNameAttribute.Check("aws").Should().Contain("'aws'");
    }

    [Fact]
    public void Cloud_names_complete_by_prefix()
    {
        CloudNameCompleter.Complete("g").Should().Equal("gcp");
        CloudNameCompleter.Complete("'G").Should().Equal("gcp");
        CloudNameCompleter.Complete("N").Should().Equal("nebius");
        CloudNameCompleter.Complete("").Should().Equal(KnownClouds.All);
        CloudNameCompleter.Complete("x").Should().BeEmpty();
    }
}
