using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SkyPilot.TestKit;

/// <summary>
/// The one AWS piece moto lacks: the SSO portal's GetRoleCredentials (<c>GET /federation/credentials</c> with the
/// <c>x-amz-sso_bearer_token</c> header), answering with a moto role session (from STS AssumeRole) for each access token it was told about,
/// and 401 UnauthorizedException otherwise, as the portal does.
/// </summary>
public sealed class FakeSsoPortal : IAsyncDisposable
{
    private LoopbackHost _host = null!;
    private readonly ConcurrentDictionary<string, AwsTestUser> _tokens = new();

    public string Endpoint { get; private set; } = string.Empty;

    public int Calls;

    /// <summary>(account_id, role_name) of each call.</summary>
    public ConcurrentQueue<(string? Account, string? Role)> Requests { get; } = new();

    public void Accept(string accessToken, AwsTestUser user) => _tokens[accessToken] = user;

    public static async Task<FakeSsoPortal> StartAsync()
    {
        var portal = new FakeSsoPortal();
        portal._host = await LoopbackHost.StartAsync(portal.HandleAsync);
        portal.Endpoint = portal._host.BaseUrl;
        return portal;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref Calls);
        Requests.Enqueue((context.Request.Query["account_id"], context.Request.Query["role_name"]));
        context.Response.ContentType = "application/json";
        if (context.Request.Path != "/federation/credentials")
        {
            context.Response.StatusCode = 404;
            return;
        }

        var token = context.Request.Headers["x-amz-sso_bearer_token"].ToString();
        if (!_tokens.TryGetValue(token, out var user))
        {
            context.Response.StatusCode = 401;
            context.Response.Headers["x-amzn-ErrorType"] = "UnauthorizedException";
            await context.Response.WriteAsync("{\"message\":\"Session token not found or invalid\"}");
            return;
        }

        var expiration = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await context.Response.WriteAsync(new JsonObject
        {
            ["roleCredentials"] = new JsonObject { ["accessKeyId"] = user.AccessKeyId, ["secretAccessKey"] = user.SecretAccessKey, ["sessionToken"] = user.SessionToken, ["expiration"] = expiration },
        }.ToJsonString());
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();
}
