using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SkyPilot.TestKit;

/// <summary>A fault to inject into the next request matching a method and path.</summary>
public abstract record ProxyFault
{
    /// <summary>The connection is reset after the request was read, before anything reaches the server.</summary>
    public sealed record ResetBeforeForwarding : ProxyFault;

    /// <summary>The request is forwarded (the server acts on it), then the client gets this answer instead of the server's.</summary>
    public sealed record ForwardThenAnswer(int Status, string Body = "<html><body><h1>504 Gateway Time-out</h1></body></html>", string ContentType = "text/html") : ProxyFault;

    /// <summary>The request is forwarded and answered by the server, then the connection is reset before the answer reaches the client.</summary>
    public sealed record ForwardThenDrop : ProxyFault;

    /// <summary>The request is held this long, then forwarded normally.</summary>
    public sealed record Delay(TimeSpan Duration) : ProxyFault;
}

/// <summary>
/// An HTTP/1.1 proxy on loopback in front of a test server that injects faults into chosen requests (one-shot, in the
/// order injected): resets before forwarding, forwarded requests answered with a 5xx/HTML page or dropped, delays.
/// One request per connection (<c>Connection: close</c>); bodies are buffered.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase) { "Host", "Connection", "Content-Length", "Transfer-Encoding", "Keep-Alive", "Proxy-Connection" };
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Method, string Path, ProxyFault Fault)> _faults = [];
    private readonly Uri _target;

    private FaultProxy(string upstream)
    {
        _target = new Uri(upstream.TrimEnd('/') + "/");
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public static FaultProxy Start(string upstreamBaseUrl)
    {
        var proxy = new FaultProxy(upstreamBaseUrl);
        proxy._listener.Start();
        proxy.BaseUrl = "http://127.0.0.1:" + ((IPEndPoint)proxy._listener.LocalEndpoint).Port;
        _ = proxy.AcceptLoopAsync();
        return proxy;
    }

    /// <summary>The next request with this method and path gets <paramref name="fault"/>; a path with a query must match the whole target.</summary>
    public FaultProxy Inject(string method, string path, ProxyFault fault)
    {
        lock (_faults)
        {
            _faults.Add((method, path, fault));
        }

        return this;
    }

    private ProxyFault? TakeFault(string method, string target)
    {
        var path = target.Split('?')[0];
        lock (_faults)
        {
            var index = _faults.FindIndex(f => string.Equals(f.Method, method, StringComparison.OrdinalIgnoreCase) && (f.Path == path || f.Path == target));
            if (index < 0)
            {
                return null;
            }

            var fault = _faults[index].Fault;
            _faults.RemoveAt(index);
            return fault;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = HandleAsync(socket);
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        using var _ = socket;
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: false);
            var (method, target, headers, body) = await ReadRequestAsync(stream);
            var fault = TakeFault(method, target);
            switch (fault)
            {
                case ProxyFault.ResetBeforeForwarding:
                    Reset(socket);
                    return;
                case ProxyFault.Delay delay:
                    await Task.Delay(delay.Duration, _stop.Token);
                    break;
            }

            using var response = await ForwardAsync(method, target, headers, body);
            var responseBody = await response.Content.ReadAsByteArrayAsync(_stop.Token);
            switch (fault)
            {
                case ProxyFault.ForwardThenDrop:
                    Reset(socket);
                    return;
                case ProxyFault.ForwardThenAnswer answer:
                    await WriteAsync(stream, answer.Status, [("Content-Type", answer.ContentType)], Encoding.UTF8.GetBytes(answer.Body));
                    return;
            }

            var copied = response.Headers.Concat(response.Content.Headers).Where(h => !HopHeaders.Contains(h.Key))
                .SelectMany(h => h.Value.Select(v => (h.Key, v))).ToList();
            await WriteAsync(stream, (int)response.StatusCode, copied, responseBody);
        }
        catch (Exception) when (_stop.IsCancellationRequested || true)
        {
            // A client that went away, or the proxy stopping: nothing to report.
        }
    }

    private async Task<HttpResponseMessage> ForwardAsync(string method, string target, List<(string Name, string Value)> headers, byte[] body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_target, target.TrimStart('/')));
        if (body.Length > 0 || method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new ByteArrayContent(body);
        }

        foreach (var (name, value) in headers.Where(h => !HopHeaders.Contains(h.Name)))
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return await _upstream.SendAsync(request, HttpCompletionOption.ResponseContentRead, _stop.Token);
    }

    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static async Task WriteAsync(Stream stream, int status, IEnumerable<(string Name, string Value)> headers, byte[] body)
    {
        var head = new StringBuilder($"HTTP/1.1 {status} {ReasonFor(status)}\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("Content-Length: ").Append(body.Length).Append("\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        await stream.WriteAsync(body);
        await stream.FlushAsync();
    }

    private static string ReasonFor(int status) => status switch
    {
        200 => "OK",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        _ => "Status",
    };

    private static async Task<(string Method, string Target, List<(string, string)> Headers, byte[] Body)> ReadRequestAsync(Stream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 4 || !(buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("connection closed before the request head");
            }

            buffer.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. buffer]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var parts = lines[0].Split(' ');
        var headers = lines.Skip(1).Select(l => (l[..l.IndexOf(':')].Trim(), l[(l.IndexOf(':') + 1)..].Trim())).ToList();
        var length = headers.Where(h => string.Equals(h.Item1, "Content-Length", StringComparison.OrdinalIgnoreCase)).Select(h => int.Parse(h.Item2)).FirstOrDefault();
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await stream.ReadAsync(body.AsMemory(read));
            if (n == 0)
            {
                throw new IOException("connection closed inside the request body");
            }

            read += n;
        }

        return (parts[0], parts[1], headers, body);
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _upstream.Dispose();
        return ValueTask.CompletedTask;
    }
}
