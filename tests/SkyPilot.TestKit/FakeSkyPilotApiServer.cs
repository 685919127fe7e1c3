using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

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
    private LoopbackHost? _host;
    private readonly CancellationTokenSource _listener = new();

    private FakeSkyPilotApiServer()
    {
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>, no trailing slash; unchanged by <see cref="StopListeningAsync"/>.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    // The server's identity, as the recorded 0.13.0rc1 server reports it.
    private const int ApiVersion = 52;
    private const string Version = "0.13.0rc1";
    private const string Commit = "5c3b7a1f2e9d4c6b8a0f1e2d3c4b5a6978695a4b";
    private const string UserName = "skytest";
    private const string UserId = "a1b2c3d4";
    private const string Workspace = "default";

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

    /// <summary>Every request answers 503 (after being recorded).</summary>
    public bool Unavailable { get; set; }

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
        server._host = await LoopbackHost.StartAsync(server.HandleAsync);
        server.BaseUrl = server._host.BaseUrl;
        return server;
    }

    /// <summary>Stops the listener: connections to <see cref="BaseUrl"/> are refused. Jobs, requests and records are kept.</summary>
    public async Task StopListeningAsync()
    {
        var host = _host;
        _host = null;
        if (host is null)
        {
            return;
        }

        await _listener.CancelAsync();
        await host.DisposeAsync();
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
        return WriteJson(context, 200, new JsonObject
        {
            ["status"] = "healthy",
            ["api_version"] = ApiVersion.ToString(),
            ["version"] = Version,
            ["version_on_disk"] = Version,
            ["commit"] = Commit,
            ["basic_auth_enabled"] = AuthMode == FakeSkyAuthMode.Basic,
            ["user"] = null,
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
