using System.Text.Json.Nodes;

namespace SkyPilot.TestKit;

/// <summary>
/// moto with IAM users seeded and authorization enforced: alice may do everything the checks and staging need, bob lacks
/// ec2:RunInstances (the seed scenario's identity B), carol may only ask who she is and assume the launcher role.
/// </summary>
public sealed class MotoWorld : IAsyncDisposable
{
    private MotoWorld(MotoServer moto)
    {
        Moto = moto;
    }

    public MotoServer Moto { get; }

    public string Endpoint => Moto.Endpoint;

    public AwsTestUser Alice { get; private set; } = null!;

    public AwsTestUser Bob { get; private set; } = null!;

    public AwsTestUser Carol { get; private set; } = null!;

    /// <summary>A role carol may assume, with alice's permissions.</summary>
    public string RoleArn { get; private set; } = string.Empty;

    public static async Task<MotoWorld> StartAsync()
    {
        var world = new MotoWorld(await MotoServer.StartAsync());
        var users = await world.Moto.SeedAsync(
            [("alice", MotoServer.AllowAll), ("bob", MotoServer.NoLaunch), ("carol", MotoServer.Policy(["sts:GetCallerIdentity", "sts:AssumeRole"]))]);
        (world.Alice, world.Bob, world.Carol) = (users["alice"], users["bob"], users["carol"]);
        var trust = new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject { ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["AWS"] = world.Carol.Arn }, ["Action"] = "sts:AssumeRole" }),
        };
        world.RoleArn = (await world.Moto.SeedAsync([], [("launcher", trust, MotoServer.AllowAll)]))["launcher"].Arn;
        await world.Moto.EnforceAuthAsync();
        return world;
    }

    public async ValueTask DisposeAsync() => await Moto.DisposeAsync();
}
