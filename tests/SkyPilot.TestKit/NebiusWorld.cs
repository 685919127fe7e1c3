using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace SkyPilot.TestKit;

/// <summary>A private Nebius world: a temp home with ~/.nebius, the real-grpcio fake IAM, and the variables pointing at it.</summary>
public sealed class NebiusWorld : TestWorld, IAsyncDisposable
{
    public const string Tenant = "tenant-e00test0001";
    public const string OtherTenant = "tenant-e00other0002";

    private NebiusWorld(NebiusGrpcServer server)
        : base("skyps")
    {
        Server = server;
        Set("NEBIUS_ENDPOINT", server.Endpoint);
        Set("SKYPILOT_PS_CACHE_DIR", Temp.Combine("cache"));
        Set("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "5");
    }

    public NebiusGrpcServer Server { get; }

    public string NebiusDirectory => Path.Combine(Home, ".nebius");

    public string TokenFile => Path.Combine(NebiusDirectory, "NEBIUS_IAM_TOKEN.txt");

    public string TenantFile => Path.Combine(NebiusDirectory, "NEBIUS_TENANT_ID.txt");

    public static async Task<NebiusWorld> StartAsync()
    {
        var world = new NebiusWorld(await NebiusGrpcServer.StartAsync());
        await world.Server.AddTenantAsync(Tenant, ("project-e00aaa", "default"), ("project-e00bbb", "training"));
        await world.Server.AddTenantAsync(OtherTenant, ("project-e00ccc", "theirs"));
        return world;
    }


    /// <summary>A token the fake accepts for <paramref name="tenant"/> (never a real token).</summary>
    public async Task<string> IssueTokenAsync(string tenant = Tenant, string email = "ada@example.com", bool expired = false)
    {
        var token = "v0." + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        await Server.AddTokenAsync(token, tenant, "useraccount-e00ada", email, expired: expired);
        return token;
    }

    /// <summary>A JWT-shaped token whose exp is in the past, which the fake also knows as expired.</summary>
    public async Task<string> IssueExpiredJwtAsync(string tenant = Tenant)
    {
        static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var exp = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
        var token = B64("{\"alg\":\"none\"}") + "." + B64("{\"exp\":" + exp + ",\"n\":\"" + Guid.NewGuid().ToString("N") + "\"}") + ".sig";
        await Server.AddTokenAsync(token, tenant, "useraccount-e00ada", "ada@example.com", expired: true);
        return token;
    }

    public void WriteToken(string content) => Write(TokenFile, content);

    public void WriteTenant(string content) => Write(TenantFile, content);

    /// <summary>A service-account key file generated now, registered with the fake's token exchange.</summary>
    public async Task<string> WriteServiceAccountKeyAsync(string serviceAccountId = "serviceaccount-e00robot")
    {
        var rsa = RSA.Create(2048);
        var kid = "publickey-e00" + Guid.NewGuid().ToString("N")[..10];
        await Server.AddServiceAccountKeyAsync(serviceAccountId, kid, Tenant, rsa);
        var json = new JsonObject
        {
            ["subject-credentials"] = new JsonObject
            {
                ["type"] = "JWT",
                ["alg"] = "RS256",
                ["private-key"] = rsa.ExportPkcs8PrivateKeyPem(),
                ["kid"] = kid,
                ["iss"] = serviceAccountId,
                ["sub"] = serviceAccountId,
            },
        };
        Write(Path.Combine(NebiusDirectory, "credentials.json"), json.ToJsonString());
        return kid;
    }

    public void WriteAwsProfiles()
    {
        Write(Path.Combine(Home, ".aws", "credentials"), "[default]\naws_access_key_id = x\n\n[nebius]\naws_access_key_id = NAKIDEXAMPLE\naws_secret_access_key = example\n");
        Write(Path.Combine(Home, ".aws", "config"), "[profile nebius]\nregion = eu-north1\nendpoint_url = https://storage.eu-north1.nebius.cloud:443\n");
    }

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Temp.Dispose();
    }
}
