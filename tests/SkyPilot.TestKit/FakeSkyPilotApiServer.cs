using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SkyPilot.TestKit;

/// <summary>
/// A loopback SkyPilot API server (sky/server/server.py, sky/jobs/server/server.py) that answers as a 0.13 server was
/// measured to (shared/reference/skypilot-api-0.13): the version gate on every route, health without a user when auth is
/// off, asynchronous requests (<c>POST</c> → 200 <c>null</c> + request-id header; <c>GET /api/get</c> blocks until done;
/// <c>GET /api/status</c>; <c>GET /api/stream</c>), managed jobs (launch with job-id lists, queue v2/v1 that fails with
/// ClusterNotUpError while no controller is up, cancel whose outcome is only in its log, logs with exit codes) driven by
/// per-job status scripts, and the server's own cloud view (/check, /enabled_clouds, /validate); with fault injection.
/// </summary>
public sealed partial class FakeSkyPilotApiServer : IAsyncDisposable
{
    public const string ApiVersionHeader = "X-SkyPilot-API-Version";
    public const string VersionHeader = "X-SkyPilot-Version";
    public const string RequestIdHeader = "X-Skypilot-Request-ID";
    public const string LegacyRequestIdHeader = "X-Request-ID";

    private readonly object _gate = new();
    private readonly List<FakeSkyApiCall> _calls = [];
    private readonly CancellationTokenSource _disposed = new();
    private WebApplication? _app;
    private CancellationTokenSource _listener = new();
    private int _port;

    private FakeSkyPilotApiServer()
    {
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>, no trailing slash; unchanged by <see cref="StopListeningAsync"/>.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public int ApiVersion { get; set; } = 52;

    public string Version { get; set; } = "0.13.0rc1";

    public string Commit { get; set; } = "5c3b7a1f2e9d4c6b8a0f1e2d3c4b5a6978695a4b";

    public string UserName { get; set; } = "skytest";

    /// <summary>The user hash SkyPilot reports as the user id (8 hex characters).</summary>
    public string UserId { get; set; } = "a1b2c3d4";

    public string Workspace { get; set; } = "default";

    /// <summary>/api/health answers only <c>{status, api_version, version, commit}</c>, api_version as a string, like v0.8.</summary>
    public bool LegacyHealth { get; set; }

    /// <summary>Behave like a v0.8 server: request id in <c>X-Request-ID</c>, request names without the <c>sky.</c> prefix
    /// (<c>jobs.launch</c>), no version response headers, and no <c>/jobs/queue/v2</c> (404).</summary>
    public bool OldServer { get; set; }

    public FakeSkyAuthMode AuthMode { get; set; }

    /// <summary>The accepted service-account token (<c>sky_...</c>); used by <see cref="FakeSkyAuthMode.ServiceAccountToken"/> and <see cref="FakeSkyAuthMode.NeedsAuth"/>.</summary>
    public string? ServiceAccountToken { get; set; }

    /// <summary>With <see cref="FakeSkyAuthMode.NeedsAuth"/>: the SSO session cookie (<c>name=value</c>, as <c>sky api login</c> keeps it) that logs a caller in.</summary>
    public string? SsoCookie { get; set; }

    public string? BasicUser { get; set; }

    public string? BasicPassword { get; set; }

    /// <summary>
    /// A request that sends both version headers with an <c>X-SkyPilot-API-Version</c> below this gets 400 version_mismatch,
    /// on every route, /api/health included (0.13: 24). Requests without both headers pass, as on the real server.
    /// </summary>
    public int? MinimumClientApiVersion { get; set; } = 24;

    /// <summary>/api/health reports the user (<c>{name, id}</c>), as a server with auth on does; off (auth off): <c>"user": null</c>.</summary>
    public bool HealthReportsUser { get; set; }

    /// <summary>Every request answers 503 (after being recorded).</summary>
    public bool Unavailable { get; set; }

    /// <summary>Delay added to every request before it is answered.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Configures a v0.8 server: api_version 3, version 0.8.0, <see cref="LegacyHealth"/> and <see cref="OldServer"/>.</summary>
    public FakeSkyPilotApiServer EmulateV08()
    {
        ApiVersion = 3;
        Version = "0.8.0";
        LegacyHealth = true;
        OldServer = true;
        return this;
    }

    /// <summary>Every request received, in arrival order, including refused ones.</summary>
    public IReadOnlyList<FakeSkyApiCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Requests received for exactly this path (no query), e.g. <c>/jobs/launch</c>; optionally only one method.</summary>
    public int CountRequests(string path, string? method = null)
    {
        lock (_gate)
        {
            return _calls.Count(c => c.Path == path && (method is null || string.Equals(c.Method, method, StringComparison.OrdinalIgnoreCase)));
        }
    }

    public static async Task<FakeSkyPilotApiServer> StartAsync()
    {
        var server = new FakeSkyPilotApiServer();
        await server.ListenAsync(0);
        return server;
    }

    /// <summary>Stops the listener: connections to <see cref="BaseUrl"/> are refused. Jobs, requests and records are kept.</summary>
    public async Task StopListeningAsync()
    {
        var app = _app;
        _app = null;
        if (app is null)
        {
            return;
        }

        await _listener.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Listens again on the same port (a restarted server that kept its state).</summary>
    public Task ResumeListeningAsync() => _app is null ? ListenAsync(_port) : Task.CompletedTask;

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(1));
        var app = builder.Build();
        _listener = new CancellationTokenSource();
        app.Run(HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = address.Replace("[::1]", "127.0.0.1").TrimEnd('/');
        _port = new Uri(BaseUrl).Port;
        _app = app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        var path = request.Path.Value ?? string.Empty;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers)
        {
            headers[header.Key] = header.Value.ToString();
        }

        var call = new FakeSkyApiCall(request.Method, path, request.QueryString.Value ?? string.Empty, body, headers, DateTimeOffset.UtcNow);
        lock (_gate)
        {
            _calls.Add(call);
        }

        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency);
        }

        if (Unavailable)
        {
            await WriteJson(context, 503, new JsonObject { ["detail"] = "Service Unavailable" });
            return;
        }

        if (!await AuthorizeAsync(context, path))
        {
            return;
        }

        var bothVersions = headers.ContainsKey(ApiVersionHeader) && headers.ContainsKey(VersionHeader);
        if (bothVersions && !OldServer)
        {
            context.Response.Headers[ApiVersionHeader] = ApiVersion.ToString();
            context.Response.Headers[VersionHeader] = Version;
        }

        if (bothVersions && VersionMismatch(headers) is { } mismatch)
        {
            await WriteJson(context, 400, new JsonObject { ["error"] = "version_mismatch", ["message"] = mismatch });
            return;
        }

        if (!OldServer && !bothVersions)
        {
            // Replies carry the server's versions only when the request sent both headers.
        }

        switch (request.Method, path)
        {
            case ("GET", "/api/health"):
                await HealthAsync(context);
                break;
            case ("GET", "/api/get"):
                await ApiGetAsync(context);
                break;
            case ("GET", "/api/status"):
                await ApiStatusAsync(context);
                break;
            case ("POST", "/jobs/launch"):
                await LaunchAsync(context, call);
                break;
            case ("POST", "/jobs/queue/v2") when !OldServer:
                await QueueAsync(context, body, v2: true);
                break;
            case ("POST", "/jobs/queue"):
                await QueueAsync(context, body, v2: false);
                break;
            case ("POST", "/jobs/cancel"):
                await CancelAsync(context, body);
                break;
            case ("GET", "/api/stream"):
                await StreamAsync(context);
                break;
            case ("POST", "/jobs/logs"):
                await JobLogsAsync(context, body);
                break;
            case ("POST", "/check"):
                await CheckAsync(context, body);
                break;
            case ("GET", "/enabled_clouds"):
                await EnabledCloudsAsync(context);
                break;
            case ("POST", "/validate"):
                await ValidateAsync(context, body);
                break;

            case (_, "/api/health" or "/api/get" or "/api/status" or "/jobs/launch" or "/jobs/queue" or "/jobs/cancel" or "/jobs/queue/v2")
                when !(OldServer && path == "/jobs/queue/v2"):
                await WriteJson(context, 405, new JsonObject { ["detail"] = "Method Not Allowed" });
                break;
            default:
                await WriteJson(context, 404, new JsonObject { ["detail"] = "Not Found" });
                break;
        }
    }

    private async Task<bool> AuthorizeAsync(HttpContext context, string path)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var bearerOk = ServiceAccountToken is { Length: > 0 } token && authorization == "Bearer " + token;
        switch (AuthMode)
        {
            case FakeSkyAuthMode.None:
                return true;
            case FakeSkyAuthMode.ServiceAccountToken:
                if (bearerOk)
                {
                    return true;
                }

                await WriteJson(context, 401, new JsonObject
                {
                    ["detail"] = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? "Invalid or expired service account token" : "Authentication required",
                });
                return false;
            case FakeSkyAuthMode.Basic:
                if (BasicOk(authorization))
                {
                    return true;
                }

                context.Response.Headers.WWWAuthenticate = "Basic realm=\"SkyPilot\"";
                await WriteJson(context, 401, new JsonObject { ["detail"] = "Invalid credentials" });
                return false;
            default:
                if (bearerOk || (SsoCookie is { Length: > 0 } cookie && context.Request.Headers.Cookie.ToString().Split("; ").Contains(cookie)))
                {
                    return true;
                }

                await WriteJson(context, 401, path == "/api/health" ? new JsonObject { ["status"] = "needs_auth" } : new JsonObject { ["detail"] = "Not authenticated" });
                return false;
        }
    }

    private bool BasicOk(string authorization)
    {
        if (BasicUser is null || !authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            var colon = decoded.IndexOf(':');
            return colon >= 0 && decoded[..colon] == BasicUser && decoded[(colon + 1)..] == (BasicPassword ?? string.Empty);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private string? VersionMismatch(IReadOnlyDictionary<string, string> headers)
    {
        if (MinimumClientApiVersion is not { } minimum)
        {
            return null;
        }

        var sent = headers.TryGetValue(ApiVersionHeader, out var text) && int.TryParse(text, out var parsed) ? parsed : (int?)null;
        if (sent is null || sent >= minimum)
        {
            return null;
        }

        var clientVersion = headers.TryGetValue(VersionHeader, out var v) ? v : "unknown";
        // As recorded from 0.13.0rc1: ANSI-coloured, ending in the pip command.
        return $"\u001b[33mYour SkyPilot client version is too old:{clientVersion}\n\u001b[0mThe server is running on {Version} and the minimum compatible version is 0.11.0.\nUpgrade your client with:\n\u001b[33mpip install -U \"skypilot=={Version}\"\u001b[0m";
    }

    private Task HealthAsync(HttpContext context)
    {
        if (LegacyHealth)
        {
            return WriteJson(context, 200, new JsonObject
            {
                ["status"] = "healthy",
                ["api_version"] = ApiVersion.ToString(),
                ["version"] = Version,
                ["commit"] = Commit,
            });
        }

        return WriteJson(context, 200, new JsonObject
        {
            ["status"] = "healthy",
            ["api_version"] = ApiVersion.ToString(),
            ["version"] = Version,
            ["version_on_disk"] = Version,
            ["commit"] = Commit,
            ["basic_auth_enabled"] = AuthMode == FakeSkyAuthMode.Basic,
            ["user"] = HealthReportsUser ? new JsonObject { ["name"] = UserName, ["id"] = UserId } : null,
            ["service_account_token_enabled"] = AuthMode == FakeSkyAuthMode.ServiceAccountToken || ServiceAccountToken is not null,
            ["ingress_basic_auth_enabled"] = false,
            ["latest_version"] = null,
            ["external_proxy_auth_enabled"] = true,
            ["telemetry_enabled"] = false,
        });
    }

    private static Task WriteJson(HttpContext context, int status, JsonNode? body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body?.ToJsonString() ?? "null");
    }

    private static double EpochNow() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await StopListeningAsync();
    }
}
