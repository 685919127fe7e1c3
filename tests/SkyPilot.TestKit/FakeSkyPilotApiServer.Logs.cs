using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SkyPilot.TestKit;

/// <summary>
/// Request logs (<c>GET /api/stream</c>) and job logs (<c>POST /jobs/logs</c>), framed as a 0.13 server frames them:
/// chunked <c>text/plain</c>, <c>&lt;sky-payload&gt;</c> control lines in console format, ANSI colours, and the job's
/// exit code as the logs request's return value (0 succeeded, 100 failed, 101 not finished, 102 not found, 103 cancelled).
/// </summary>
public sealed partial class FakeSkyPilotApiServer
{
    public const string JobsLogs = "sky.jobs.logs";

    private readonly Dictionary<string, StringBuilder> _requestLogs = new(StringComparer.Ordinal);
    private readonly Dictionary<int, List<string>> _jobLogs = [];

    /// <summary>Appends lines to a job's log; a following <c>/jobs/logs</c> stream sends them as they come.</summary>
    public void AppendJobLog(int jobId, params string[] lines)
    {
        lock (_gate)
        {
            if (!_jobLogs.TryGetValue(jobId, out var log))
            {
                _jobLogs[jobId] = log = [];
            }

            log.AddRange(lines);
        }
    }

    /// <summary>A request that runs until <paramref name="result"/> is known, then SUCCEEDS with it as its return value.</summary>
    private void ScheduleUntil(string id, string name, string body, Task<int> result)
    {
        var request = new ApiRequest(id, WireName(name), body, "short", UserId, EpochNow()) { Status = "RUNNING" };
        lock (_gate)
        {
            _requests.Add(request);
        }

        _ = result.ContinueWith(t =>
        {
            lock (_gate)
            {
                request.ReturnValueJson = t.Result.ToString(System.Globalization.CultureInfo.InvariantCulture);
                request.Status = "SUCCEEDED";
                request.FinishedAt = EpochNow();
            }

            request.Done.TrySetResult();
        }, TaskScheduler.Default);
    }

    /// <summary>A request's log (call under the lock).</summary>
    private StringBuilder Log(string requestId)
    {
        if (!_requestLogs.TryGetValue(requestId, out var log))
        {
            _requestLogs[requestId] = log = new StringBuilder();
        }

        return log;
    }

    private async Task StreamAsync(HttpContext context)
    {
        var id = context.Request.Query["request_id"].ToString();
        var plain = context.Request.Query["format"].ToString() is "" or "plain";
        ApiRequest? request;
        lock (_gate)
        {
            request = _requests.FirstOrDefault(r => r.Id == id);
        }

        if (request is null)
        {
            await WriteJson(context, 404, new JsonObject { ["detail"] = $"Request '{id}' not found" });
            return;
        }

        if (string.Equals(context.Request.Query["follow"].ToString(), "true", StringComparison.OrdinalIgnoreCase))
        {
            await request.Done.Task.WaitAsync(context.RequestAborted);
        }

        string text;
        lock (_gate)
        {
            text = Log(id).ToString();
        }

        if (plain)
        {
            text = string.Concat(text.Split('\n').Where(l => !l.StartsWith("<sky-payload>", StringComparison.Ordinal)).Select(l => l + "\n"))[..^1];
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers["x-skypilot-stream-request-id"] = id;
        await context.Response.WriteAsync(text);
    }

    private async Task JobLogsAsync(HttpContext context, string text)
    {
        if (ParseBody(text) is not { } body)
        {
            await WriteMissingBody(context, null, null);
            return;
        }

        var jobId = Int(body, "job_id");
        var name = Str(body, "name");
        var follow = body["follow"] is not JsonValue f || !f.TryGetValue<bool>(out var followValue) || followValue;
        var tail = Int(body, "tail");
        Job? job;
        lock (_gate)
        {
            job = _jobs.Where(j => (jobId is not null && j.Id == jobId) || (jobId is null && name is not null && j.Name == name))
                .OrderByDescending(j => j.Id).FirstOrDefault();
        }

        var id = Guid.NewGuid().ToString();
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        ScheduleUntil(id, JobsLogs, text, done.Task);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers[RequestIdHeader] = id;
        var output = context.Response.Body;
        async Task Write(string line)
        {
            await output.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), context.RequestAborted);
            await output.FlushAsync(context.RequestAborted);
        }

        try
        {
            await context.Response.StartAsync(context.RequestAborted);
            await Write("<sky-payload>\"<rich_init>[bold cyan]Waiting for task to start[/]. It may take a few minutes.</rich_init>\"</sky-payload>");
            await Write("<sky-payload>\"<rich_exit></rich_exit>\"</sky-payload>");
            if (job is null)
            {
                await Write($"\u001b[33mJob {jobId?.ToString() ?? name} not found.\u001b[0m");
                done.TrySetResult(102);
                return;
            }

            var sent = 0;
            if (tail is > 0)
            {
                lock (_gate)
                {
                    sent = Math.Max(0, (_jobLogs.TryGetValue(job.Id, out var all) ? all.Count : 0) - tail.Value);
                }
            }

            while (true)
            {
                List<string> fresh;
                string status;
                lock (_gate)
                {
                    fresh = _jobLogs.TryGetValue(job.Id, out var lines) ? [.. lines.Skip(sent)] : [];
                    status = job.Current.Status;
                }

                foreach (var line in fresh)
                {
                    await Write(line);
                }

                sent += fresh.Count;
                if (FakeSkyJobStatus.IsTerminal(status) || !follow)
                {
                    done.TrySetResult(status switch
                    {
                        FakeSkyJobStatus.Succeeded => 0,
                        FakeSkyJobStatus.Cancelled => 103,
                        _ when FakeSkyJobStatus.IsTerminal(status) => 100,
                        _ => 101,
                    });
                    return;
                }

                await Task.Delay(50, context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            done.TrySetResult(101);
        }
    }
}
