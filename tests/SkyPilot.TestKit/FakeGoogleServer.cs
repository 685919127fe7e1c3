using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SkyPilot.TestKit;

/// <summary>
/// A loopback Google: an OAuth token endpoint that verifies RS256 JWT assertions against keys generated at test time,
/// tokeninfo for the tokens it issued, Resource Manager testIamPermissions/getIamPolicy from a per-(account, project) grant table, Compute projects.get,
/// and Cloud Storage (see FakeGoogleServer.Storage.cs); with injectable faults (any status and body, Retry-After,
/// latency, dropped connections). Real wire formats only.
/// </summary>
public sealed partial class FakeGoogleServer : IAsyncDisposable
{
    private LoopbackHost _host = null!;
    private readonly ConcurrentDictionary<string, (string Email, RSA Key)> _keys = new();
    private readonly ConcurrentDictionary<string, string> _tokens = new();
    private readonly ConcurrentDictionary<(string Account, string Project), HashSet<string>> _grants = new();
    private readonly ConcurrentDictionary<(string Project, string Service), bool> _disabled = new();
    private readonly ConcurrentDictionary<string, bool> _refusedKeys = new();
    private readonly ConcurrentQueue<(string PathFragment, Fault Fault)> _faults = new();

    public string BaseUrl { get; private set; } = string.Empty;

    public string TokenUri => BaseUrl + "/token";

    /// <summary>Delay added to every request before it is answered.</summary>
    public TimeSpan Latency { get; set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int CountRequests(string pathFragment) => Requests.Count(r => r.Path.Contains(pathFragment, StringComparison.Ordinal));

    public static async Task<FakeGoogleServer> StartAsync()
    {
        var server = new FakeGoogleServer();
        server._host = await LoopbackHost.StartAsync(server.HandleAsync);
        server.BaseUrl = server._host.BaseUrl;
        return server;
    }

    /// <summary>Creates a key for a service account and registers its public half.</summary>
    public ServiceAccountKey CreateServiceAccount(string email, string project, bool pkcs1 = false)
    {
        var key = ServiceAccountKey.Create(email, project, TokenUri, pkcs1);
        _keys[key.KeyId] = (email, key.Rsa);
        return key;
    }

    /// <summary>Makes the token endpoint refuse this key with invalid_grant (a deleted key).</summary>
    public void RefuseKey(ServiceAccountKey key) => _refusedKeys[key.KeyId] = true;

    /// <summary>Issues a token for <paramref name="account"/> without a JWT (for gcloud's access-token file).</summary>
    public string IssueStaticToken(string account)
    {
        var token = "fake-static-" + Guid.NewGuid().ToString("N");
        _tokens[token] = account;
        return token;
    }

    public void Grant(string account, string project, IEnumerable<string> permissions)
    {
        var set = _grants.GetOrAdd((account, project), _ => new HashSet<string>());
        lock (set)
        {
            set.UnionWith(permissions);
        }
    }

    public void Revoke(string account, string project, params string[] permissions)
    {
        if (_grants.TryGetValue((account, project), out var set))
        {
            lock (set)
            {
                set.ExceptWith(permissions);
            }
        }
    }

    /// <summary>Answers calls to <paramref name="service"/> (e.g. compute.googleapis.com) in the project with SERVICE_DISABLED.</summary>
    public void DisableApi(string project, string service) => _disabled[(project, service)] = true;

    /// <summary>
    /// The next request whose path, or path and query (e.g. <c>upload_id=</c> for a resumable session's PUTs), contains
    /// <paramref name="pathFragment"/> gets this fault instead of an answer.
    /// </summary>
    public void InjectFault(string pathFragment, Fault fault, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _faults.Enqueue((pathFragment, fault));
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (IsStoragePath(context.Request.Path.Value ?? string.Empty))
        {
            await StorageAsync(context);
            return;
        }

        var request = context.Request;
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        Requests.Enqueue(new RecordedRequest(request.Method, request.Path.Value ?? string.Empty, request.QueryString.Value ?? string.Empty, body, DateTimeOffset.UtcNow));
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency);
        }

        var path = request.Path.Value ?? string.Empty;
        if (TakeFault(path + request.QueryString.Value) is { } fault && await ApplyFaultAsync(context, fault))
        {
            return;
        }

        if (path == "/token" && request.Method == "POST")
        {
            await TokenAsync(context, body);
            return;
        }

        if (path == "/tokeninfo" && request.Method == "GET")
        {
            await TokenInfoAsync(context, request.Query["access_token"].ToString());
            return;
        }

        var account = Authenticate(request);
        if (account is null)
        {
            await WriteError(context, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
            return;
        }

        var segments = path.Trim('/').Split('/');
        if (path.StartsWith("/v1/projects/", StringComparison.Ordinal) && request.Method == "POST")
        {
            await ResourceManagerAsync(context, account, segments[2], body);
        }
        else if (path.StartsWith("/compute/v1/projects/", StringComparison.Ordinal) && segments.Length == 4 && request.Method == "GET")
        {
            await ComputeProjectAsync(context, account, segments[3]);
        }
        else
        {
            await WriteError(context, 404, "NOT_FOUND", "The requested URL " + path + " was not found on this server.");
        }
    }

    private Fault? TakeFault(string path)
    {
        // Faults are taken in order; one that does not match this path stays queued.
        var count = _faults.Count;
        for (var i = 0; i < count; i++)
        {
            if (!_faults.TryDequeue(out var entry))
            {
                break;
            }

            if (path.Contains(entry.PathFragment, StringComparison.Ordinal))
            {
                for (var j = i + 1; j < count; j++)
                {
                    if (_faults.TryDequeue(out var rest))
                    {
                        _faults.Enqueue(rest);
                    }
                }

                return entry.Fault;
            }

            _faults.Enqueue(entry);
        }

        return null;
    }

    /// <summary>Returns true when the fault answered the request; a pure delay lets it be answered normally.</summary>
    private static async Task<bool> ApplyFaultAsync(HttpContext context, Fault fault)
    {
        if (fault.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(fault.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }

        if (fault.Drop)
        {
            context.Abort();
            return true;
        }

        if (fault.StatusCode is { } status)
        {
            context.Response.StatusCode = status;
            if (fault.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers["Retry-After"] = seconds.ToString();
            }

            context.Response.ContentType = "application/json; charset=UTF-8";
            await context.Response.WriteAsync(fault.Body ?? GoogleErrors.Body(status, GoogleErrors.StatusName(status), "fault injected by the test"));
            return true;
        }

        return false;
    }

    private async Task TokenAsync(HttpContext context, string body)
    {
        var form = System.Web.HttpUtility.ParseQueryString(body);
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || form["assertion"] is not { } assertion)
        {
            await WriteOAuthError(context, 400, "unsupported_grant_type", "Invalid grant_type");
            return;
        }

        var verified = VerifyAssertion(assertion);
        if (verified.Error is not null)
        {
            await WriteOAuthError(context, 400, "invalid_grant", verified.Error);
            return;
        }

        var token = "fake-" + Guid.NewGuid().ToString("N");
        _tokens[token] = verified.Email!;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(new JsonObject { ["access_token"] = token, ["expires_in"] = 3599, ["token_type"] = "Bearer" }.ToJsonString());
    }

    /// <summary>tokeninfo for tokens this server issued (their scopes include userinfo.email); invalid_token otherwise.</summary>
    private async Task TokenInfoAsync(HttpContext context, string token)
    {
        if (token.Length == 0 || !_tokens.TryGetValue(token, out var account))
        {
            await WriteOAuthError(context, 400, "invalid_token", "Invalid Value");
            return;
        }

        var client = "764086051850-" + ProjectNumber(account) + ".apps.googleusercontent.com";
        await WriteJson(context, new JsonObject
        {
            ["azp"] = client,
            ["aud"] = client,
            ["sub"] = "1" + ProjectNumber(account) + ProjectNumber("sub:" + account),
            ["scope"] = "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/cloud-platform",
            ["exp"] = DateTimeOffset.UtcNow.AddSeconds(3599).ToUnixTimeSeconds().ToString(),
            ["expires_in"] = "3599",
            ["email"] = account,
            ["email_verified"] = "true",
            ["access_type"] = "offline",
        });
    }

    private (string? Email, string? Error) VerifyAssertion(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return (null, "Invalid JWT: not three parts");
        }

        var header = JsonNode.Parse(Base64Url(parts[0]))!;
        var payload = JsonNode.Parse(Base64Url(parts[1]))!;
        if ((string?)header["alg"] != "RS256")
        {
            return (null, "Invalid JWT: alg must be RS256");
        }

        var kid = (string?)header["kid"] ?? string.Empty;
        if (!_keys.TryGetValue(kid, out var key) || _refusedKeys.ContainsKey(kid))
        {
            return (null, "Invalid JWT Signature.");
        }

        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!key.Key.VerifyData(signed, Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return (null, "Invalid JWT Signature.");
        }

        if ((string?)payload["iss"] != key.Email)
        {
            return (null, "Invalid JWT: iss does not match the key's account");
        }

        var exp = (long?)payload["exp"] ?? 0;
        if (DateTimeOffset.FromUnixTimeSeconds(exp) < DateTimeOffset.UtcNow)
        {
            return (null, "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.");
        }

        if (payload["scope"] is null)
        {
            return (null, "Invalid JWT: no scope");
        }

        return (key.Email, null);
    }

    private string? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(header[7..], out var account) ? account : null;
    }

    private async Task ResourceManagerAsync(HttpContext context, string account, string projectAndMethod, string body)
    {
        var colon = projectAndMethod.IndexOf(':');
        var project = colon < 0 ? projectAndMethod : projectAndMethod[..colon];
        var method = colon < 0 ? string.Empty : projectAndMethod[(colon + 1)..];
        if (_disabled.ContainsKey((project, "cloudresourcemanager.googleapis.com")))
        {
            await WriteServiceDisabled(context, project, "cloudresourcemanager.googleapis.com", "Cloud Resource Manager API");
            return;
        }

        var held = Held(account, project);
        if (method == "testIamPermissions")
        {
            var asked = JsonNode.Parse(body)?["permissions"]?.AsArray().Select(p => (string)p!).ToList() ?? [];
            var granted = asked.Where(held.Contains).ToList();
            var response = new JsonObject();
            if (granted.Count > 0)
            {
                response["permissions"] = new JsonArray(granted.Select(p => (JsonNode)p!).ToArray());
            }

            await WriteJson(context, response);
        }
        else if (method == "getIamPolicy")
        {
            var members = _grants.Keys.Where(k => k.Project == project).Select(k => (JsonNode)("serviceAccount:" + k.Account)).ToArray();
            await WriteJson(context, new JsonObject
            {
                ["version"] = 1,
                ["etag"] = "BwYfakeEtag=",
                ["bindings"] = new JsonArray(new JsonObject { ["role"] = "roles/owner", ["members"] = new JsonArray(members) }),
            });
        }
        else
        {
            await WriteError(context, 404, "NOT_FOUND", "Method not found.");
        }
    }

    private async Task ComputeProjectAsync(HttpContext context, string account, string project)
    {
        if (_disabled.ContainsKey((project, "compute.googleapis.com")))
        {
            await WriteServiceDisabled(context, project, "compute.googleapis.com", "Compute Engine API");
            return;
        }

        if (!Held(account, project).Contains("compute.projects.get"))
        {
            await WriteError(context, 403, "PERMISSION_DENIED", "Required 'compute.projects.get' permission for 'projects/" + project + "'", "forbidden");
            return;
        }

        await WriteJson(context, new JsonObject { ["name"] = project, ["id"] = ProjectNumber(project) });
    }

    private HashSet<string> Held(string account, string project)
    {
        if (!_grants.TryGetValue((account, project), out var set))
        {
            return [];
        }

        lock (set)
        {
            return [.. set];
        }
    }

    private static string ProjectNumber(string project) => ((uint)project.GetHashCode() % 900000000 + 100000000).ToString();

    private static Task WriteServiceDisabled(HttpContext context, string project, string service, string title)
    {
        var number = ProjectNumber(project);
        var url = "https://console.developers.google.com/apis/api/" + service + "/overview?project=" + number;
        var message = title + " has not been used in project " + number + " before or it is disabled. Enable it by visiting " + url + " then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.";
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = 403,
                ["message"] = message,
                ["status"] = "PERMISSION_DENIED",
                ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["domain"] = "usageLimits", ["reason"] = "accessNotConfigured", ["extendedHelp"] = "https://console.developers.google.com" }),
                ["details"] = new JsonArray(new JsonObject
                {
                    ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
                    ["reason"] = "SERVICE_DISABLED",
                    ["domain"] = "googleapis.com",
                    ["metadata"] = new JsonObject
                    {
                        ["service"] = service,
                        ["consumer"] = "projects/" + number,
                        ["activationUrl"] = url,
                        ["serviceTitle"] = title,
                        ["containerInfo"] = number,
                    },
                }),
            },
        };
        context.Response.StatusCode = 403;
        return WriteJson(context, body, setStatus: false);
    }

    private static Task WriteError(HttpContext context, int code, string status, string message, string? reason = null)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json; charset=UTF-8";
        return context.Response.WriteAsync(GoogleErrors.Body(code, status, message, reason));
    }

    private static Task WriteOAuthError(HttpContext context, int code, string error, string description)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(new JsonObject { ["error"] = error, ["error_description"] = description }.ToJsonString());
    }

    private static Task WriteJson(HttpContext context, JsonNode body, bool setStatus = true)
    {
        if (setStatus)
        {
            context.Response.StatusCode = 200;
        }

        context.Response.ContentType = "application/json; charset=UTF-8";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static byte[] Base64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        DeleteStorageFiles();
    }
}

/// <summary>What the fake server should do instead of answering.</summary>
public sealed record Fault(int? StatusCode = null, string? Body = null, int? RetryAfterSeconds = null, TimeSpan Delay = default, bool Drop = false)
{
    public static Fault Status(int code, int? retryAfterSeconds = null, string? body = null) => new(code, body, retryAfterSeconds);

    public static Fault Slow(TimeSpan delay) => new(Delay: delay);

    public static Fault DropConnection() => new(Drop: true);
}

public sealed record RecordedRequest(string Method, string Path, string Query, string Body, DateTimeOffset At);

/// <summary>Google's standard JSON error body.</summary>
public static class GoogleErrors
{
    public static string Body(int code, string status, string message, string? reason = null) => new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["status"] = status,
            ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["domain"] = "global", ["reason"] = reason ?? status.ToLowerInvariant() }),
        },
    }.ToJsonString();

    public static string StatusName(int code) => code switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        503 => "UNAVAILABLE",
        _ => "UNKNOWN",
    };
}
