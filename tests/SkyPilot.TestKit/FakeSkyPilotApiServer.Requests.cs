using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SkyPilot.TestKit;

/// <summary>The asynchronous-request side: records, durations, /api/get and /api/status.</summary>
public sealed partial class FakeSkyPilotApiServer
{
    public const string JobsLaunch = "sky.jobs.launch";
    public const string JobsQueue = "sky.jobs.queue";
    public const string JobsCancel = "sky.jobs.cancel";

    private readonly List<ApiRequest> _requests = [];
    private readonly Dictionary<string, TimeSpan> _durations = new(StringComparer.Ordinal);
    private readonly Queue<(string Name, string Type, string Message)> _failures = new();

    /// <summary>How long requests named <paramref name="requestName"/> (e.g. <see cref="JobsLaunch"/>) run before they finish;
    /// <see cref="Timeout.InfiniteTimeSpan"/> keeps them RUNNING until the server is disposed. Default: zero.</summary>
    public void SetRequestDuration(string requestName, TimeSpan duration)
    {
        lock (_gate)
        {
            _durations[requestName] = duration;
        }
    }

    /// <summary>The next launch is recorded but creates no job; its request finishes FAILED with this error.</summary>
    public void FailNextLaunch(string type, string message)
    {
        lock (_gate)
        {
            _failures.Enqueue((JobsLaunch, type, message));
        }
    }

    /// <summary>Takes the first injected failure for requests named <paramref name="name"/>, if any.</summary>
    private (string Type, string Message)? TakeFailure(string name)
    {
        lock (_gate)
        {
            var pending = _failures.ToList();
            var index = pending.FindIndex(f => f.Name == name);
            if (index < 0)
            {
                return null;
            }

            var taken = pending[index];
            pending.RemoveAt(index);
            _failures.Clear();
            pending.ForEach(_failures.Enqueue);
            return (taken.Type, taken.Message);
        }
    }

    /// <summary>Creates a request (PENDING) with this id; once its duration has passed, <paramref name="work"/> runs under
    /// the lock and gives the return value, or <paramref name="failure"/> makes it FAILED.</summary>
    private void Schedule(string id, string name, string body, string scheduleType, Func<JsonNode?> work, (string Type, string Message)? failure)
    {
        ApiRequest request;
        TimeSpan duration;
        lock (_gate)
        {
            request = new ApiRequest(id, WireName(name), body, scheduleType, UserId, EpochNow());
            _requests.Add(request);
            duration = _durations.TryGetValue(name, out var d) ? d : TimeSpan.Zero;
        }

        _ = RunAsync(request, duration, work, failure);
    }

    private async Task RunAsync(ApiRequest request, TimeSpan duration, Func<JsonNode?> work, (string Type, string Message)? failure)
    {
        lock (_gate)
        {
            request.Status = "RUNNING";
        }

        try
        {
            await Task.Delay(duration, _disposed.Token);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                request.Status = "CANCELLED";
                request.FinishedAt = EpochNow();
                request.StatusMsg = "The API server was shut down";
            }

            request.Done.TrySetResult();
            return;
        }

        lock (_gate)
        {
            if (failure is { } f)
            {
                request.Error = new JsonObject
                {
                    ["object"] = PickledException(f.Type, f.Message),
                    ["type"] = f.Type,
                    ["message"] = f.Message,
                };
                request.Status = "FAILED";
            }
            else
            {
                request.ReturnValueJson = work()?.ToJsonString() ?? "null";
                request.Status = "SUCCEEDED";
            }

            request.FinishedAt = EpochNow();
        }

        request.Done.TrySetResult();
    }

    /// <summary>v0.8 request names had no <c>sky.</c> prefix (<c>jobs.launch</c>).</summary>
    private string WireName(string name) => OldServer && name.StartsWith("sky.", StringComparison.Ordinal) ? name[4..] : name;

    private async Task ApiGetAsync(HttpContext context)
    {
        var id = context.Request.Query["request_id"].ToString();
        if (id.Length == 0)
        {
            await WriteMissingQuery(context, "request_id");
            return;
        }

        ApiRequest? request = null;
        int count;
        lock (_gate)
        {
            var matches = _requests.Where(r => r.Id == id).ToList();
            if (matches.Count == 0)
            {
                matches = [.. _requests.Where(r => r.Id.StartsWith(id, StringComparison.Ordinal))];
            }

            count = matches.Count;
            if (count == 1)
            {
                request = matches[0];
            }
        }

        if (request is null)
        {
            await WriteJson(context, count == 0 ? 404 : 400, new JsonObject
            {
                ["detail"] = count == 0 ? $"Request '{id}' not found" : $"Multiple requests found for request ID prefix '{id}'; use a longer prefix",
            });
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _listener.Token, _disposed.Token);
        try
        {
            await request.Done.Task.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            context.Abort();
            return;
        }

        JsonObject payload;
        bool failed;
        lock (_gate)
        {
            payload = request.Payload();
            failed = request.Error is not null;
        }

        // FastAPI: raise HTTPException(status_code=500, detail=dataclasses.asdict(request_task.encode())).
        await WriteJson(context, failed ? 500 : 200, failed ? new JsonObject { ["detail"] = payload } : payload);
    }

    private async Task ApiStatusAsync(HttpContext context)
    {
        var ids = context.Request.Query["request_ids"].Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
        var allStatus = string.Equals(context.Request.Query["all_status"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        JsonArray list;
        lock (_gate)
        {
            IEnumerable<ApiRequest> selected = ids.Count > 0
                ? ids.Select(id => _requests.FirstOrDefault(r => r.Id.StartsWith(id, StringComparison.Ordinal))).OfType<ApiRequest>()
                : _requests.Where(r => allStatus || r.Status is "PENDING" or "RUNNING").OrderByDescending(r => r.CreatedAt);
            list = new JsonArray([.. selected.Select(r => (JsonNode)r.Readable(UserName))]);
        }

        await WriteJson(context, 200, list);
    }

    /// <summary>FastAPI's 422 for a missing query parameter.</summary>
    private static Task WriteMissingQuery(HttpContext context, string name) => WriteJson(context, 422, new JsonObject
    {
        ["detail"] = new JsonArray(new JsonObject
        {
            ["type"] = "missing",
            ["loc"] = new JsonArray("query", name),
            ["msg"] = "Field required",
            ["input"] = null,
        }),
    });

    /// <summary>
    /// <c>encoders.pickle_and_encode(exceptions.serialize_exception(e))</c>: base64 of a protocol-2 pickle of
    /// <c>{'type', 'message', 'args': (message,), 'attributes': {}, 'stacktrace': None}</c>, which Python's pickle.loads reads.
    /// </summary>
    private static string PickledException(string type, string message)
    {
        var bytes = new List<byte> { 0x80, 0x02, (byte)'}', (byte)'(' };
        void Str(string s)
        {
            var utf8 = Encoding.UTF8.GetBytes(s);
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
            bytes.Add((byte)'X');
            bytes.AddRange(length);
            bytes.AddRange(utf8);
        }

        Str("type");
        Str(type);
        Str("message");
        Str(message);
        Str("args");
        Str(message);
        bytes.Add(0x85); // TUPLE1
        Str("attributes");
        bytes.Add((byte)'}');
        Str("stacktrace");
        bytes.Add((byte)'N');
        bytes.Add((byte)'u'); // SETITEMS
        bytes.Add((byte)'.');
        return Convert.ToBase64String([.. bytes]);
    }

    private sealed class ApiRequest(string id, string name, string body, string scheduleType, string userId, double createdAt)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public double CreatedAt { get; } = createdAt;

        public string Status { get; set; } = "PENDING";

        public double? FinishedAt { get; set; }

        public string? StatusMsg { get; set; }

        public string? ReturnValueJson { get; set; }

        public JsonObject? Error { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>RequestPayload as /api/get sends it: return_value and error are JSON strings.</summary>
        public JsonObject Payload() => new()
        {
            ["request_id"] = Id,
            ["name"] = Name,
            ["entrypoint"] = Name,
            ["request_body"] = body,
            ["status"] = Status,
            ["return_value"] = ReturnValueJson ?? "null",
            ["error"] = Error?.ToJsonString() ?? "null",
            ["pid"] = null,
            ["created_at"] = CreatedAt,
            ["finished_at"] = FinishedAt,
            ["schedule_type"] = scheduleType,
            ["user_id"] = userId,
            ["cluster_name"] = null,
            ["status_msg"] = StatusMsg,
            ["should_retry"] = false,
        };

        /// <summary>readable_encode, as /api/status lists it: no return value or error.</summary>
        public JsonObject Readable(string userName)
        {
            var payload = Payload();
            payload["return_value"] = "null";
            payload["error"] = "null";
            payload["user_name"] = userName;
            return payload;
        }
    }
}
