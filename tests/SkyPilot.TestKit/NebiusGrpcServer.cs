using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SkyPilot.TestKit;

/// <summary>One call the Nebius fake server received (never the token itself).</summary>
/// <param name="Method">Full method path, e.g. <see cref="NebiusGrpcServer.ProjectServiceList"/>.</param>
/// <param name="HadAuthorization">Whether an <c>authorization</c> metadata entry was sent.</param>
/// <param name="ParentId">The <c>parent_id</c> asked for (ProjectService/List, once authenticated).</param>
/// <param name="KeyId">The JWT <c>kid</c> header of a TokenExchangeService/Exchange subject token.</param>
/// <param name="DeadlineSeconds">Seconds left until the call's deadline when it arrived (from grpc-timeout); null without one.</param>
/// <param name="StatusCode">The gRPC status code answered (0 = OK); null while the call is still in progress (e.g. delayed).</param>
public sealed record NebiusCall(string Method, bool HadAuthorization, string? ParentId, string? KeyId, double? DeadlineSeconds, int? StatusCode);

/// <summary>
/// A loopback Nebius IAM (ProjectService/List, ProfileService/Get, TokenExchangeService/Exchange) served by the real grpcio
/// that gcloud bundles, so hand-written gRPC framing is checked against gRPC itself. Cleartext HTTP/2 on 127.0.0.1.
/// Driven through JSON lines on the script's stdin; see nebius_fake_server.py for the protobuf field numbers.
/// </summary>
public sealed class NebiusGrpcServer : IAsyncDisposable
{
    public const string ProjectServiceList = "/nebius.iam.v1.ProjectService/List";
    public const string ProfileServiceGet = "/nebius.iam.v1.ProfileService/Get";
    public const string TokenExchangeServiceExchange = "/nebius.iam.v1.TokenExchangeService/Exchange";

    /// <summary>Overrides the Python used (one that can import grpc); otherwise gcloud's bundled Python is used.</summary>
    public const string PythonEnvironmentVariable = "SKYPILOT_TEST_GRPC_PYTHON";

    private const string ScriptName = "nebius_fake_server.py";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly object PythonLock = new();
    private static Task<string>? _python;

    private readonly Process _process;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CapturedStderr _stderr;
    private bool _disposed;

    private NebiusGrpcServer(Process process)
    {
        _process = process;
        _stderr = new CapturedStderr(process);
    }

    /// <summary>"http://127.0.0.1:PORT".</summary>
    public string Endpoint { get; private set; } = string.Empty;

    public static async Task<NebiusGrpcServer> StartAsync()
    {
        var python = await LocatePythonAsync();
        var script = Path.Combine(AppContext.BaseDirectory, ScriptName);
        if (!File.Exists(script))
        {
            script = Path.Combine(Path.GetDirectoryName(typeof(NebiusGrpcServer).Assembly.Location)!, ScriptName);
        }

        if (!File.Exists(script))
        {
            throw new FileNotFoundException(ScriptName + " was not copied next to the TestKit assembly.", script);
        }

        var info = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        info.ArgumentList.Add("-u");
        info.ArgumentList.Add(script);
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        info.Environment["PYTHONNOUSERSITE"] = "1";
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        info.Environment["GRPC_VERBOSITY"] = "ERROR";
        info.Environment.Remove("PYTHONPATH");
        info.Environment.Remove("PYTHONHOME");
        foreach (var proxy in new[] { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "grpc_proxy", "GRPC_PROXY" })
        {
            info.Environment.Remove(proxy);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + python);
        var server = new NebiusGrpcServer(process);
        try
        {
            var hello = await server.ReadLineAsync();
            var port = JsonNode.Parse(hello)!["port"]!.GetValue<int>();
            server.Endpoint = "http://127.0.0.1:" + port;
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public Task AddTokenAsync(string token, string tenantId, string subject, string? email = null, bool serviceAccount = false, bool expired = false) =>
        CommandAsync(new JsonObject
        {
            ["op"] = "add_token",
            ["token"] = token,
            ["tenant"] = tenantId,
            ["subject"] = subject,
            ["kind"] = serviceAccount ? "service_account" : "user",
            ["email"] = email,
            ["expired"] = expired,
        });

    public Task AddTenantAsync(string tenantId, params (string Id, string Name)[] projects)
    {
        var list = new JsonArray();
        foreach (var (id, name) in projects)
        {
            list.Add(new JsonObject { ["id"] = id, ["name"] = name });
        }

        return CommandAsync(new JsonObject { ["op"] = "add_tenant", ["tenant"] = tenantId, ["projects"] = list });
    }

    /// <summary>Registers the public half of <paramref name="key"/>: Exchange accepts RS256 JWTs with this kid and iss = sub = the account.</summary>
    public Task AddServiceAccountKeyAsync(string serviceAccountId, string kid, string tenantId, RSA key) =>
        CommandAsync(new JsonObject
        {
            ["op"] = "add_sa_key",
            ["sa_id"] = serviceAccountId,
            ["kid"] = kid,
            ["tenant"] = tenantId,
            ["public_key_pem"] = key.ExportSubjectPublicKeyInfoPem(),
        });

    /// <summary>Lifetime of tokens issued by Exchange from now on (default 12 hours); zero issues already-expired tokens.</summary>
    public Task SetTokenLifetimeAsync(TimeSpan lifetime) =>
        CommandAsync(new JsonObject { ["op"] = "set_token_lifetime", ["seconds"] = (long)lifetime.TotalSeconds });

    /// <summary>The next <paramref name="times"/> calls of <paramref name="method"/> answer this status (a trailers-only response).</summary>
    public Task FailNextAsync(string method, int grpcStatusCode, string message, int times = 1) =>
        CommandAsync(new JsonObject { ["op"] = "fail", ["method"] = method, ["code"] = grpcStatusCode, ["message"] = message, ["times"] = times });

    /// <summary>The next <paramref name="times"/> calls of <paramref name="method"/> wait first (cut short by the call's deadline), then answer normally.</summary>
    public Task DelayNextAsync(string method, TimeSpan delay, int times = 1) =>
        CommandAsync(new JsonObject { ["op"] = "delay", ["method"] = method, ["ms"] = delay.TotalMilliseconds, ["times"] = times });

    public async Task<IReadOnlyList<NebiusCall>> CallsAsync()
    {
        var answer = await CommandAsync(new JsonObject { ["op"] = "calls" });
        var calls = new List<NebiusCall>();
        foreach (var call in answer["calls"]!.AsArray())
        {
            calls.Add(new NebiusCall(
                call!["method"]!.GetValue<string>(),
                call["authorization"]!.GetValue<bool>(),
                call["parent_id"]?.GetValue<string>(),
                call["kid"]?.GetValue<string>(),
                call["deadline_seconds"]?.GetValue<double>(),
                call["code"]?.GetValue<int>()));
        }

        return calls;
    }

    /// <summary>Closes stdin (the script stops its server and exits), killing the process if it does not exit promptly.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await ChildProcess.StopAsync(_process);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<JsonNode> CommandAsync(JsonObject command)
    {
        await _gate.WaitAsync();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await _process.StandardInput.WriteLineAsync(command.ToJsonString());
            await _process.StandardInput.FlushAsync();
            var answer = JsonNode.Parse(await ReadLineAsync())!;
            if (answer["ok"]?.GetValue<bool>() != true)
            {
                throw new InvalidOperationException("nebius fake server refused " + command["op"] + ": " + answer["error"]);
            }

            return answer;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(CommandTimeout);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("nebius fake server did not answer within " + CommandTimeout + ". stderr: " + Stderr());
        }

        return line ?? throw new InvalidOperationException("nebius fake server exited. stderr: " + Stderr());
    }

    private string Stderr()
    {
        // ErrorDataReceived may lag the exit by a moment.
        if (_process.HasExited)
        {
            _process.WaitForExit(1000);
        }

        return _stderr.ToString();
    }

    private static Task<string> LocatePythonAsync()
    {
        lock (PythonLock)
        {
            if (_python is null || _python.IsFaulted || _python.IsCanceled)
            {
                _python = Task.Run(FindPythonAsync);
            }

            return _python;
        }
    }

    private static async Task<string> FindPythonAsync()
    {
        var overridden = Environment.GetEnvironmentVariable(PythonEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            return overridden;
        }

        if (Gcloud.Locate() is null)
        {
            throw new InvalidOperationException("gcloud is not on the PATH; the Nebius gRPC fake server runs on the Python that gcloud bundles (or set " + PythonEnvironmentVariable + ").");
        }

        using var config = new TempDirectory("skyps-gcloud");
        var sdkRoot = (await new Gcloud(config.Path).RunAsync("info", "--format=value(installation.sdk_root)")).Trim();
        var candidates = new[]
        {
            Path.Combine(sdkRoot, "platform", "bundledpythonunix", "bin", "python3"),
            Path.Combine(sdkRoot, "platform", "bundledpython", "python.exe"),
        };
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("gcloud at " + sdkRoot + " has no bundled Python (looked for " + string.Join(", ", candidates) + "); set " + PythonEnvironmentVariable + ".");
    }
}
