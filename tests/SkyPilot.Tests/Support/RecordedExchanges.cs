using System.Net;
using System.Text;
using System.Text.Json;

namespace SkyPilot.Tests.Support;

/// <summary>One real request/response pair of a SkyPilot 0.13.0rc1 API server (shared/reference/skypilot-api-0.13).</summary>
public sealed record RecordedExchange(string Case, string Method, string Target, string? RequestBody, int Status, IReadOnlyDictionary<string, string> ResponseHeaders, string ResponseBody)
{
    /// <summary>The case's id: <c>5c</c> of <c>5c POST /jobs/launch run-only task</c>.</summary>
    public string Id => Case.Split(' ')[0];

    public string Path => Target.Split('?')[0];
}

/// <summary>
/// The 91 recorded exchanges, read at test time from <c>shared/</c> beside the repository (the repository's parent
/// directory holds it; CI has <c>../shared</c> beside the clone).
/// </summary>
public static class RecordedExchanges
{
    public const string RelativePath = "shared/reference/skypilot-api-0.13/skypilot-0.13.0rc1-exchanges.jsonl";

    private static readonly Lazy<IReadOnlyList<RecordedExchange>> Loaded = new(Load);

    public static IReadOnlyList<RecordedExchange> All => Loaded.Value;

    public static RecordedExchange Get(string id) => All.Single(e => e.Id == id);

    public static string FilePath
    {
        get
        {
            for (var dir = new DirectoryInfo(RepositoryPaths.Root).Parent; dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("The recorded exchanges were not found: expected ../" + RelativePath + " beside the repository.");
        }
    }

    private static IReadOnlyList<RecordedExchange> Load()
    {
        var list = new List<RecordedExchange>();
        foreach (var line in File.ReadLines(FilePath).Where(l => l.Trim().Length > 0))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in root.GetProperty("resp_headers").EnumerateObject())
            {
                headers[h.Name] = h.Value.GetString() ?? string.Empty;
            }

            var target = root.GetProperty("request_line").GetString()!.Split(' ')[1];
            var body = root.TryGetProperty("req_body", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
            list.Add(new RecordedExchange(root.GetProperty("case").GetString()!, root.GetProperty("method").GetString()!, target, body, root.GetProperty("status").GetInt32(), headers, root.GetProperty("resp_body").GetString() ?? string.Empty));
        }

        return list;
    }
}

/// <summary>
/// Answers a client's requests with recorded responses, in the order given; each request must have the recorded
/// method and path. What the client sent is kept for assertions.
/// </summary>
public sealed class ReplayHandler(params RecordedExchange[] script) : HttpMessageHandler
{
    private readonly Queue<RecordedExchange> _script = new(script);

    public List<(HttpMethod Method, Uri Uri, string? Body, Dictionary<string, string> Headers)> Sent { get; } = [];

    public bool Finished => _script.Count == 0;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        Sent.Add((request.Method, request.RequestUri!, body, request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase)));
        if (!_script.TryDequeue(out var next))
        {
            throw new InvalidOperationException("Unexpected request " + request.Method + " " + request.RequestUri);
        }

        if (next.Method != request.Method.Method || next.Path != request.RequestUri!.AbsolutePath)
        {
            throw new InvalidOperationException($"Expected {next.Method} {next.Path} (case {next.Case}), got {request.Method} {request.RequestUri!.AbsolutePath}");
        }

        var response = new HttpResponseMessage((HttpStatusCode)next.Status)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(next.ResponseBody)),
            RequestMessage = request,
        };
        foreach (var (name, value) in next.ResponseHeaders.Where(h => !h.Key.Equals("content-length", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase)))
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }
}
