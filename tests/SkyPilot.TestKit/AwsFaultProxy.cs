using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SkyPilot.TestKit;

/// <summary>What the proxy does to a request that matches a fault.</summary>
public enum AwsFault
{
    /// <summary>Forward the request, then drop the connection instead of answering (the server did the work).</summary>
    DropAfterForward,

    /// <summary>Drop the connection without forwarding.</summary>
    Drop,
}

/// <summary>
/// A loopback proxy in front of moto that records every request and injects faults into the ones a test picks,
/// so retries and resumed uploads are tested against a real S3 implementation.
/// </summary>
public sealed class AwsFaultProxy : IAsyncDisposable
{
    private static readonly HttpClient Upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    private LoopbackHost _host = null!;
    private readonly string _target;
    private readonly ConcurrentQueue<(Func<HttpRequest, bool> Match, AwsFault Fault, int Times)> _faults = new();

    private AwsFaultProxy(string target)
    {
        _target = target;
    }

    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>"METHOD path?query" of every request, in arrival order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public int Count(Func<string, bool> match) => Requests.Count(match);

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="times"/> requests matching <paramref name="match"/>.</summary>
    public void Inject(Func<HttpRequest, bool> match, AwsFault fault, int times = 1) => _faults.Enqueue((match, fault, times));

    public void ClearFaults() => _faults.Clear();

    public static async Task<AwsFaultProxy> StartAsync(string target)
    {
        var proxy = new AwsFaultProxy(target.TrimEnd('/'));
        proxy._host = await LoopbackHost.StartAsync(proxy.HandleAsync);
        proxy.Endpoint = proxy._host.BaseUrl;
        return proxy;
    }

    private AwsFault? TakeFault(HttpRequest request)
    {
        lock (_faults)
        {
            var pending = _faults.ToArray();
            for (var i = 0; i < pending.Length; i++)
            {
                if (pending[i].Times > 0 && pending[i].Match(request))
                {
                    _faults.Clear();
                    for (var j = 0; j < pending.Length; j++)
                    {
                        _faults.Enqueue(j == i ? (pending[j].Match, pending[j].Fault, pending[j].Times - 1) : pending[j]);
                    }

                    return pending[i].Fault;
                }
            }
        }

        return null;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue(request.Method + " " + request.Path + request.QueryString);
        var fault = TakeFault(request);
        if (fault == AwsFault.Drop)
        {
            context.Abort();
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), _target + request.Path + request.QueryString);
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        if (body.Length > 0 || request.ContentLength == 0 || request.Method == "PUT" || request.Method == "POST")
        {
            forward.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var header in request.Headers)
        {
            if (header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase) || header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!forward.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
            {
                forward.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }

        // Signed requests name the proxy as their host: forward it so the signature still matches.
        forward.Headers.Host = request.Host.Value;
        using var response = await Upstream.SendAsync(forward);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (fault == AwsFault.DropAfterForward)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        if (request.Method == "HEAD")
        {
            context.Response.ContentLength = response.Content.Headers.ContentLength;
        }
        else
        {
            await context.Response.Body.WriteAsync(bytes);
        }
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();
}
