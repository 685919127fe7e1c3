using SkyPilot.TestKit;

namespace SkyPilot.Tests.Support;

/// <summary>One <see cref="MotoWorld"/> per test class.</summary>
public sealed class MotoFixture : IAsyncLifetime
{
    public MotoWorld World { get; private set; } = null!;

    public string Endpoint => World.Endpoint;

    public AwsTestUser Alice => World.Alice;

    public AwsTestUser Bob => World.Bob;

    public AwsTestUser Carol => World.Carol;

    public string RoleArn => World.RoleArn;

    public string ViewerRoleArn => World.ViewerRoleArn;

    public async Task InitializeAsync() => World = await MotoWorld.StartAsync();

    public async Task DisposeAsync() => await World.DisposeAsync();
}
