using System.Text.Json.Nodes;

namespace SkyPilot.TestKit;

/// <summary>
/// moto with IAM users seeded and authorization enforced: alice may do everything the checks and staging need, bob lacks
/// ec2:RunInstances (the seed scenario's identity B), carol may only ask who she is and assume the launcher role, dave may
/// launch and list his buckets but has no access to any bucket (a job bucket he cannot write).
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

    public AwsTestUser Dave { get; private set; } = null!;

    /// <summary>A role carol may assume, with alice's permissions.</summary>
    public string RoleArn { get; private set; } = string.Empty;

    /// <summary>A role carol may assume, with bob's permissions (no ec2:RunInstances).</summary>
    public string ViewerRoleArn { get; private set; } = string.Empty;

    /// <summary>A session of a role, obtained by carol with the real CLI's <c>aws sts assume-role</c> (what the SSO portal hands out).</summary>
    public async Task<AwsTestUser> AssumeAsync(string roleArn, string home)
    {
        var cli = new AwsCli(home);
        cli.Environment["AWS_ENDPOINT_URL"] = Endpoint;
        cli.Environment["AWS_ACCESS_KEY_ID"] = Carol.AccessKeyId;
        cli.Environment["AWS_SECRET_ACCESS_KEY"] = Carol.SecretAccessKey;
        cli.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        var json = JsonNode.Parse(await cli.RunAsync("sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "sso-user", "--output", "json"))!;
        var credentials = json["Credentials"]!;
        return new AwsTestUser(roleArn, (string)credentials["AccessKeyId"]!, (string)credentials["SecretAccessKey"]!, (string)json["AssumedRoleUser"]!["Arn"]!, (string)credentials["SessionToken"]!);
    }

    public static async Task<MotoWorld> StartAsync(bool enforceAuth = true)
    {
        var world = new MotoWorld(await MotoServer.StartAsync());
        var users = await world.Moto.SeedAsync(
            [("alice", MotoServer.AllowAll), ("bob", MotoServer.NoLaunch), ("carol", MotoServer.Policy(["sts:GetCallerIdentity", "sts:AssumeRole"])), ("dave", MotoServer.Policy(["sts:GetCallerIdentity", "ec2:*", "s3:ListAllMyBuckets"]))]);
        (world.Alice, world.Bob, world.Carol, world.Dave) = (users["alice"], users["bob"], users["carol"], users["dave"]);
        var trust = new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject { ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["AWS"] = world.Carol.Arn }, ["Action"] = "sts:AssumeRole" }),
        };
        var roles = await world.Moto.SeedAsync([], [("launcher", trust, MotoServer.AllowAll), ("viewer", trust, MotoServer.NoLaunch)]);
        (world.RoleArn, world.ViewerRoleArn) = (roles["launcher"].Arn, roles["viewer"].Arn);
        if (enforceAuth)
        {
            await world.Moto.EnforceAuthAsync();
        }
        return world;
    }

    public async ValueTask DisposeAsync() => await Moto.DisposeAsync();
}
