using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace SkyPilot.TestKit;

/// <summary>
/// The Cloud Storage emulator from firebase-tools (pinned in tests/firebase-storage/package.json): a third-party
/// implementation of the Cloud Storage JSON API on 127.0.0.1, started by tests/firebase-storage/start-storage-emulator.js
/// without Java or the rules runtime. Serves multipart, media and single-PUT resumable uploads, list, get, download and
/// delete; has no bucket get/insert, no testIamPermissions, no chunked resumable uploads, and ignores preconditions.
/// Needs Node.js and <c>npm ci</c> in tests/firebase-storage (CI does that before building).
/// </summary>
public sealed class FirebaseStorageEmulator : IAsyncDisposable
{
    private const string PackageFolder = "tests/firebase-storage";
    private const string ScriptName = "start-storage-emulator.js";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly CapturedStderr _stderr;
    private readonly HttpClient _http = new();
    private int _disposed;

    private FirebaseStorageEmulator(Process process)
    {
        _process = process;
        _stderr = new CapturedStderr(process);
    }

    /// <summary>"http://127.0.0.1:PORT": the API root (the emulator serves /storage/v1 and /upload/storage/v1 under it).</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public static async Task<FirebaseStorageEmulator> StartAsync()
    {
        var folder = Path.Combine(RepositoryPaths.Root, PackageFolder);
        if (!File.Exists(Path.Combine(folder, "node_modules", "firebase-tools", "package.json")))
        {
            throw new InvalidOperationException(
                "The Firebase Storage emulator is not installed: run `npm ci` in " + folder + " (Node.js and npm are required; CI does this before building).");
        }

        var node = CliDriver.FindOnPath(OperatingSystem.IsWindows() ? "node.exe" : "node") ?? throw new InvalidOperationException("Node.js (node) is not on the PATH; it is needed to run the Firebase Storage emulator.");
        var info = new ProcessStartInfo(node)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        info.ArgumentList.Add(ScriptName);
        info.Environment.Remove("STORAGE_EMULATOR_DEBUG");
        info.Environment.Remove("NODE_OPTIONS");

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + node);
        var emulator = new FirebaseStorageEmulator(process);
        try
        {
            emulator.BaseUrl = "http://127.0.0.1:" + await emulator.ReadPortAsync();
            // Keep draining stdout so a chatty emulator never blocks on a full pipe.
            _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            return emulator;
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Makes <paramref name="bucket"/> exist. The emulator has no buckets.insert; it registers a bucket on the first
    /// request whose path names it (a middleware on <c>/b/{bucket}/...</c>), so list its objects, then check that
    /// <c>GET /b</c> (the emulator's bucket list) names it.
    /// </summary>
    public async Task EnsureBucketAsync(string bucket)
    {
        using (var list = await _http.GetAsync(BaseUrl + "/storage/v1/b/" + Uri.EscapeDataString(bucket) + "/o?maxResults=1"))
        {
            if (!list.IsSuccessStatusCode)
            {
                throw new InvalidOperationException("listing gs://" + bucket + " on the emulator answered " + (int)list.StatusCode + ": " + await list.Content.ReadAsStringAsync());
            }
        }

        var buckets = JsonNode.Parse(await _http.GetStringAsync(BaseUrl + "/b"))!["items"]?.AsArray() ?? [];
        if (!buckets.Any(b => (string?)b?["name"] == bucket))
        {
            throw new InvalidOperationException("the emulator did not register bucket " + bucket + "; its buckets: " + buckets.ToJsonString());
        }
    }

    /// <summary>Closes stdin (the script stops its server, removes its blob directory and exits); kills it if it lingers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _http.Dispose();
        await ChildProcess.StopAsync(_process);
    }

    private async Task<int> ReadPortAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        while (true)
        {
            string? line;
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("the Firebase Storage emulator did not report its port within " + StartTimeout.TotalSeconds + " s. stderr: " + _stderr);
            }

            if (line is null)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException("the Firebase Storage emulator exited (" + _process.ExitCode + ") before it was ready. stderr: " + _stderr);
            }

            // Anything else firebase-tools prints before the ready line is ignored.
            if (line.StartsWith("{\"port\":", StringComparison.Ordinal))
            {
                return JsonNode.Parse(line)!["port"]!.GetValue<int>();
            }
        }
    }
}
