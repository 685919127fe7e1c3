namespace SkyPilot.TestKit;

/// <summary>How <see cref="FakeSkyPilotApiServer"/> authenticates callers.</summary>
public enum FakeSkyAuthMode
{
    /// <summary>Every caller is accepted (a local API server).</summary>
    None,

    /// <summary><c>Authorization: Bearer sky_...</c> must equal <see cref="FakeSkyPilotApiServer.ServiceAccountToken"/>; else 401.</summary>
    ServiceAccountToken,

    /// <summary>HTTP basic auth against <see cref="FakeSkyPilotApiServer.BasicUser"/>/<see cref="FakeSkyPilotApiServer.BasicPassword"/>; 401 with <c>WWW-Authenticate: Basic realm="SkyPilot"</c>.</summary>
    Basic,

    /// <summary>An SSO-protected server the caller has not logged in to: <c>/api/health</c> answers 401 <c>{"status":"needs_auth"}</c>, other routes 401.
    /// A configured service-account token, or the <see cref="FakeSkyPilotApiServer.SsoCookie"/> session cookie, is accepted.</summary>
    NeedsAuth,
}

/// <summary>The shape of a successful <c>sky.jobs.launch</c> return value (a JSON string inside /api/get's <c>return_value</c>).</summary>
public enum FakeSkyLaunchReturn
{
    /// <summary><c>{"job_id": [N], "handle": "&lt;base64 pickle&gt;"}</c>: 0.13's shape (a list of job ids), the default.</summary>
    JobIdList,

    /// <summary><c>[job_id, null]</c>: older servers' <c>(job_id, handle)</c> tuple.</summary>
    JobIdAndHandle,

    /// <summary><c>{"job_id": N}</c>.</summary>
    JobIdObject,
}

/// <summary>SkyPilot's managed-job status names (sky/jobs/state.py ManagedJobStatus), exactly as they appear on the wire.</summary>
public static class FakeSkyJobStatus
{
    public const string Pending = "PENDING";
    public const string Submitted = "SUBMITTED";
    public const string Starting = "STARTING";
    public const string Running = "RUNNING";
    public const string WindingDown = "WINDING_DOWN";
    public const string Recovering = "RECOVERING";
    public const string Cancelling = "CANCELLING";
    public const string Succeeded = "SUCCEEDED";
    public const string Cancelled = "CANCELLED";
    public const string Failed = "FAILED";
    public const string FailedSetup = "FAILED_SETUP";
    public const string FailedPrechecks = "FAILED_PRECHECKS";
    public const string FailedNoResource = "FAILED_NO_RESOURCE";
    public const string FailedController = "FAILED_CONTROLLER";

    public static IReadOnlyList<string> Active { get; } = [Pending, Submitted, Starting, Running, WindingDown, Recovering, Cancelling];

    public static IReadOnlyList<string> Terminal { get; } = [Succeeded, Cancelled, Failed, FailedSetup, FailedPrechecks, FailedNoResource, FailedController];

    public static IReadOnlyList<string> All { get; } = [.. Active, .. Terminal];

    public static bool IsTerminal(string status) => Terminal.Contains(status);

    /// <summary>The managed-job scheduler state SkyPilot reports next to a status (sky/jobs/state.py ManagedJobScheduleState).</summary>
    public static string ScheduleStateFor(string status) => status switch
    {
        Submitted => "INACTIVE",
        Pending => "WAITING",
        Starting => "LAUNCHING",
        Running or Recovering or Cancelling or WindingDown => "ALIVE",
        _ => "DONE",
    };
}

/// <summary>One step of a job's status script; a plain status name converts implicitly.</summary>
public sealed record FakeSkyJobStep(string Status, string? FailureReason = null)
{
    public static implicit operator FakeSkyJobStep(string status) => new(status);

    public static FakeSkyJobStep Fail(string status, string failureReason) => new(status, failureReason);
}

/// <summary>A <c>POST /jobs/launch</c> the server accepted (recorded before any answer is written).</summary>
/// <param name="TaskYaml">The raw <c>task</c> string, byte for byte.</param>
/// <param name="JobId">The managed job it created, or null when the launch was made to fail.</param>
public sealed record RecordedLaunch(
    string RequestId,
    string TaskYaml,
    string? Name,
    IReadOnlyDictionary<string, string> EnvVars,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    int? JobId,
    DateTimeOffset At)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>Any HTTP request the server received, with the headers it carried (recorded on arrival, before auth and version checks).</summary>
public sealed record FakeSkyApiCall(string Method, string Path, string Query, string Body, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A snapshot of one managed job on the server.</summary>
/// <param name="Status">The status the next queue call will report.</param>
public sealed record FakeSkyJobInfo(int JobId, string JobName, string Status);
