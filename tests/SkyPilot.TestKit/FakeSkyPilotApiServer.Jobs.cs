using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SkyPilot.TestKit;

/// <summary>Managed jobs: POST /jobs/launch, /jobs/queue/v2, /jobs/queue, /jobs/cancel and the test controls behind them.</summary>
public sealed partial class FakeSkyPilotApiServer
{
    private readonly List<RecordedLaunch> _launches = [];
    private readonly List<Job> _jobs = [];
    private readonly Queue<List<FakeSkyJobStep>> _nextScripts = new();
    private readonly IReadOnlyList<FakeSkyJobStep> _defaultScript = [FakeSkyJobStatus.Pending, FakeSkyJobStatus.Starting, FakeSkyJobStatus.Running, FakeSkyJobStatus.Succeeded];
    private bool _dropNextLaunch;
    private int _lastJobId;

    /// <summary>Shape of a successful launch's return value; default <see cref="FakeSkyLaunchReturn.JobIdList"/> (<c>{"job_id": [N], "handle": ...}</c>).</summary>
    public FakeSkyLaunchReturn LaunchReturn { get; set; }

    /// <summary>
    /// Whether a jobs controller is up. While it is not, /jobs/queue requests FAIL with <c>ClusterNotUpError</c> ("No
    /// in-progress managed jobs."), as a 0.13 server does; the first launch brings it up.
    /// </summary>
    public bool JobsControllerUp { get; set; }

    /// <summary>Every accepted launch, in arrival order (also the failed and the dropped ones).</summary>
    public IReadOnlyList<RecordedLaunch> Launches
    {
        get
        {
            lock (_gate)
            {
                return [.. _launches];
            }
        }
    }

    public IReadOnlyList<FakeSkyJobInfo> Jobs
    {
        get
        {
            lock (_gate)
            {
                return [.. _jobs.Select(j => j.Info())];
            }
        }
    }

    public FakeSkyJobInfo? GetJob(int jobId)
    {
        lock (_gate)
        {
            return _jobs.FirstOrDefault(j => j.Id == jobId)?.Info();
        }
    }

    /// <summary>
    /// The statuses the next launched job goes through: the first queue call that lists it reports the first step, each
    /// further one the next, and the last step stays. A step with a failure reason sets <c>failure_reason</c>.
    /// Calls queue up, one script per future launch.
    /// </summary>
    public void ScriptNextJob(params FakeSkyJobStep[] steps)
    {
        var script = Validated(steps);
        lock (_gate)
        {
            _nextScripts.Enqueue([.. script]);
        }
    }

    /// <summary>The next launch is recorded, its request and job created, then the connection is aborted before any response byte.</summary>
    public void DropNextLaunchResponse()
    {
        lock (_gate)
        {
            _dropNextLaunch = true;
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> launches have been recorded and returns the last of them.</summary>
    public async Task<RecordedLaunch> WaitForLaunchAsync(int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (_gate)
            {
                if (_launches.Count >= count)
                {
                    return _launches[count - 1];
                }
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"{count} launch(es) expected, {Launches.Count} recorded");
            }

            await Task.Delay(10);
        }
    }

    private static IReadOnlyList<FakeSkyJobStep> Validated(IEnumerable<FakeSkyJobStep> steps)
    {
        var list = steps.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("A job script needs at least one status");
        }

        foreach (var step in list.Where(s => !FakeSkyJobStatus.All.Contains(s.Status)))
        {
            throw new ArgumentException($"'{step.Status}' is not a SkyPilot managed-job status");
        }

        return list;
    }

    private async Task LaunchAsync(HttpContext context, FakeSkyApiCall call)
    {
        var body = ParseBody(call.Body);
        if (body?["task"] is not JsonValue taskValue || !taskValue.TryGetValue<string>(out var task))
        {
            await WriteMissingBody(context, body is null ? null : "task", body);
            return;
        }

        var name = Str(body, "name");
        var envVars = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body["env_vars"] is JsonObject env)
        {
            foreach (var (key, value) in env)
            {
                envVars[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? string.Empty;
            }
        }

        var id = Guid.NewGuid().ToString();
        var failure = TakeFailure(JobsLaunch);
        lock (_gate)
        {
            // The server decides from its own enabled-clouds cache, whatever the client's credentials can do.
            if (failure is null && task.Contains("gs://", StringComparison.Ordinal) && !Cached("GCP", "storage"))
            {
                failure = ("NotSupportedError", "Cloud-based file_mounts are specified, but no cloud storage is available.");
            }
        }

        bool drop;
        int? jobId = null;
        lock (_gate)
        {
            if (failure is null)
            {
                var script = _nextScripts.Count > 0 ? _nextScripts.Dequeue() : [.. _defaultScript];
                var job = new Job(++_lastJobId, task, name, id, script, EpochNow());
                _jobs.Add(job);
                jobId = job.Id;
                JobsControllerUp = true;
            }

            _launches.Add(new RecordedLaunch(id, task, name, envVars, call.Headers, call.Body, jobId, call.At));
            drop = _dropNextLaunch;
            _dropNextLaunch = false;
        }

        var shape = LaunchReturn;
        Schedule(id, JobsLaunch, call.Body, "long", () => shape switch
        {
            FakeSkyLaunchReturn.JobIdObject => new JsonObject { ["job_id"] = jobId },
            FakeSkyLaunchReturn.JobIdAndHandle => new JsonArray(jobId, null),
            _ => new JsonObject { ["job_id"] = new JsonArray(jobId), ["handle"] = "gASVAAAAAAAAAAA=" },
        }, failure);

        if (drop)
        {
            context.Abort();
            return;
        }

        await AcceptAsync(context, id);
    }

    private async Task QueueAsync(HttpContext context, string text, bool v2)
    {
        if (ParseBody(text) is not { } body)
        {
            await WriteMissingBody(context, null, null);
            return;
        }

        var skipFinished = Bool(body, "skip_finished");
        var jobIds = Ints(body, "job_ids");
        var statuses = Strs(body, "statuses");
        var fields = Strs(body, "fields");
        var nameMatch = Str(body, "name_match");
        var page = Int(body, "page");
        var limit = Int(body, "limit");
        var id = Guid.NewGuid().ToString();
        var failure = TakeFailure(JobsQueue);
        lock (_gate)
        {
            failure ??= JobsControllerUp ? null : ("ClusterNotUpError", "No in-progress managed jobs.");
        }

        Schedule(id, JobsQueue, text, "short", () =>
        {
            // Runs under the lock: newest first, like `sky jobs queue`.
            var unfiltered = _jobs.OrderByDescending(j => j.Id).ToList();
            var matching = unfiltered
                .Where(j => jobIds is null || jobIds.Contains(j.Id))
                .Where(j => !skipFinished || !FakeSkyJobStatus.IsTerminal(j.Current.Status))
                .Where(j => nameMatch is null || j.Name.Contains(nameMatch, StringComparison.Ordinal))
                .ToList();
            var filtered = matching.Where(j => statuses is null || statuses.Contains(j.Current.Status)).ToList();
            var shown = page is { } p && limit is { } l && p >= 1 && l > 0 ? filtered.Skip((p - 1) * l).Take(l).ToList() : filtered;
            var records = new JsonArray([.. shown.SelectMany(j => j.Records(UserName, UserId, Workspace)).Select(r => (JsonNode)Project(r, fields))]);
            var counts = new JsonObject();
            foreach (var group in matching.GroupBy(j => j.Current.Status))
            {
                counts[group.Key] = group.Count();
            }

            shown.ForEach(j => j.Advance());
            return v2
                ? new JsonObject { ["jobs"] = records, ["total"] = filtered.Count, ["total_no_filter"] = unfiltered.Count, ["status_counts"] = counts }
                : records;
        }, failure);
        await AcceptAsync(context, id);
    }

    private async Task CancelAsync(HttpContext context, string text)
    {
        if (ParseBody(text) is not { } body)
        {
            await WriteMissingBody(context, null, null);
            return;
        }

        var name = Str(body, "name");
        var jobIds = Ints(body, "job_ids");
        var all = Bool(body, "all") || Bool(body, "all_users");
        var id = Guid.NewGuid().ToString();
        Schedule(id, JobsCancel, text, "short", () =>
        {
            // As sky/jobs/utils.py cancel_jobs_by_id: the outcome is only in the request's log; the return value is null.
            var log = Log(id);
            var targets = all || name is not null
                ? [.. _jobs.Where(j => all || j.Name == name).Select(j => j.Id)]
                : jobIds ?? [];
            var scheduled = new List<int>();
            foreach (var jobId in targets)
            {
                var job = _jobs.FirstOrDefault(j => j.Id == jobId);
                if (job is null)
                {
                    log.Append($"Job {jobId} not found. Skipped.\r\n"); // as recorded: CRLF after the skip lines
                }
                else if (FakeSkyJobStatus.IsTerminal(job.Current.Status))
                {
                    log.Append($"Job {jobId} is already in terminal state {job.Current.Status}. Skipped.\r\n");
                }
                else
                {
                    job.Cancel();
                    scheduled.Add(jobId);
                }
            }

            if (scheduled.Count == 0)
            {
                log.Append("No job to cancel.\n");
            }
            else
            {
                log.Append(scheduled.Count == 1
                    ? $"Job with ID {scheduled[0]} is scheduled to be cancelled.\n"
                    : $"Jobs with IDs {string.Join(", ", scheduled)} are scheduled to be cancelled.\n");
            }

            return null;
        }, TakeFailure(JobsCancel));
        await AcceptAsync(context, id);
    }

    /// <summary>200, body <c>null</c>, the request id in the response header.</summary>
    private Task AcceptAsync(HttpContext context, string requestId)
    {
        context.Response.Headers[OldServer ? LegacyRequestIdHeader : RequestIdHeader] = requestId;
        return WriteJson(context, 200, null);
    }

    private static JsonObject Project(JsonObject record, List<string>? fields)
    {
        if (fields is null || fields.Count == 0)
        {
            return record;
        }

        var projected = new JsonObject();
        foreach (var (key, value) in record)
        {
            if (key == "job_id" || fields.Contains(key))
            {
                projected[key] = value?.DeepClone();
            }
        }

        return projected;
    }

    private static JsonObject? ParseBody(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonObject body, string key) => body[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Bool(JsonObject body, string key) => body[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static int? Int(JsonObject body, string key) => body[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;

    private static List<int>? Ints(JsonObject body, string key) =>
        body[key] is JsonArray a ? [.. a.OfType<JsonValue>().Select(v => v.TryGetValue<int>(out var i) ? i : -1)] : null;

    private static List<string>? Strs(JsonObject body, string key) =>
        body[key] is JsonArray a ? [.. a.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : string.Empty)] : null;

    /// <summary>FastAPI/pydantic's 422 for a body that is not a JSON object (<paramref name="field"/> null) or lacks a required field.</summary>
    private static Task WriteMissingBody(HttpContext context, string? field, JsonObject? body) => WriteJson(context, 422, new JsonObject
    {
        ["detail"] = new JsonArray(new JsonObject
        {
            ["type"] = body is null ? "json_invalid" : "missing",
            ["loc"] = field is null ? new JsonArray("body") : new JsonArray("body", field),
            ["msg"] = body is null ? "JSON decode error" : "Field required",
            ["input"] = body?.DeepClone(),
        }),
    });
}
