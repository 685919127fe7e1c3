using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

/// <summary>
/// The loopback SkyPilot API server fake, spoken to with a plain HttpClient the way the SkyPilot SDK does
/// (POST → request-id header → GET /api/get), independent of the product's client. A fresh server per test.
/// </summary>
public sealed class FakeSkyPilotApiServerTests : IAsyncLifetime
{
    private const string TaskYaml = "name: train\nresources:\n  infra: gcp/europe-west4\n  cpus: 4\nrun: |\n  echo hello\n";
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private FakeSkyPilotApiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeSkyPilotApiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Health_reports_versions_user_and_auth_flags()
    {
        _server.ApiVersion = 21;
        _server.Version = "0.10.9";

        using var response = await SendAsync(HttpMethod.Get, "/api/health");
        var body = await JsonAsync(response);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        ((string?)body["status"]).Should().Be("healthy");
        ((int)body["api_version"]!).Should().Be(21);
        ((string?)body["version"]).Should().Be("0.10.9");
        ((string?)body["commit"]).Should().NotBeNullOrEmpty();
        ((string?)body["user"]!["name"]).Should().Be(_server.UserName);
        ((string?)body["user"]!["id"]).Should().Be(_server.UserId);
        ((bool)body["basic_auth_enabled"]!).Should().BeFalse();
        ((bool)body["service_account_token_enabled"]!).Should().BeFalse();
        response.Headers.GetValues("X-SkyPilot-API-Version").Should().Equal("21");
    }

    [Fact]
    public async Task A_v08_server_answers_legacy_health_X_Request_ID_unprefixed_names_and_no_queue_v2()
    {
        _server.EmulateV08();

        var health = await JsonAsync(await SendAsync(HttpMethod.Get, "/api/health"));
        health.AsObject().Select(p => p.Key).Should().BeEquivalentTo("status", "api_version", "version", "commit");
        ((string?)health["api_version"]).Should().Be("3");
        ((string?)health["version"]).Should().Be("0.8.0");

        using var launch = await SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody());
        launch.Headers.Contains(FakeSkyPilotApiServer.RequestIdHeader).Should().BeFalse();
        var id = launch.Headers.GetValues("X-Request-ID").Single();
        var result = await JsonAsync(await SendAsync(HttpMethod.Get, "/api/get?request_id=" + id));
        ((string?)result["name"]).Should().Be("jobs.launch");

        (await SendAsync(HttpMethod.Post, "/jobs/queue/v2", new JsonObject())).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var queue = await RunAsync("/jobs/queue", new JsonObject { ["refresh"] = false, ["skip_finished"] = false, ["all_users"] = true, ["job_ids"] = null });
        queue.AsArray().Select(j => (int)j!["job_id"]!).Should().Equal(1);
    }

    [Fact]
    public async Task Service_account_token_must_match_exactly()
    {
        var token = NewToken();
        _server.AuthMode = FakeSkyAuthMode.ServiceAccountToken;
        _server.ServiceAccountToken = token;

        (await SendAsync(HttpMethod.Get, "/api/health")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody(), bearer: NewToken())).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var health = await JsonAsync(await SendAsync(HttpMethod.Get, "/api/health", bearer: token));
        ((bool)health["service_account_token_enabled"]!).Should().BeTrue();
        using var launch = await SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody(), bearer: token);

        launch.StatusCode.Should().Be(HttpStatusCode.OK);
        _server.Launches.Should().ContainSingle().Which.Header("Authorization").Should().Be("Bearer " + token);
    }

    [Fact]
    public async Task Basic_auth_challenges_with_the_SkyPilot_realm()
    {
        var password = NewToken();
        _server.AuthMode = FakeSkyAuthMode.Basic;
        _server.BasicUser = "alice";
        _server.BasicPassword = password;

        using var missing = await SendAsync(HttpMethod.Get, "/api/health");
        using var wrong = await SendAsync(HttpMethod.Get, "/api/health", basic: ("alice", "nope"));
        using var right = await SendAsync(HttpMethod.Get, "/api/health", basic: ("alice", password));

        missing.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        missing.Headers.WwwAuthenticate.ToString().Should().Be("Basic realm=\"SkyPilot\"");
        wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        right.StatusCode.Should().Be(HttpStatusCode.OK);
        ((bool)(await JsonAsync(right))["basic_auth_enabled"]!).Should().BeTrue();
    }

    [Fact]
    public async Task Needs_auth_answers_401_with_needs_auth_status()
    {
        _server.AuthMode = FakeSkyAuthMode.NeedsAuth;

        using var health = await SendAsync(HttpMethod.Get, "/api/health");
        using var launch = await SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody());

        health.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        ((string?)(await JsonAsync(health))["status"]).Should().Be("needs_auth");
        launch.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        _server.Jobs.Should().BeEmpty();
    }

    [Fact]
    public async Task An_old_or_missing_client_api_version_gets_version_mismatch_except_on_health()
    {
        _server.MinimumClientApiVersion = 20;

        using var old = await SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody(), apiVersion: "19");
        using var missing = await SendAsync(HttpMethod.Get, "/api/status", apiVersion: null);
        using var health = await SendAsync(HttpMethod.Get, "/api/health", apiVersion: "1");
        using var current = await SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody(), apiVersion: "20");

        old.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var error = await JsonAsync(old);
        ((string?)error["error"]).Should().Be("version_mismatch");
        ((string?)error["message"]).Should().Contain("19").And.Contain("20");
        missing.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        ((string?)(await JsonAsync(missing))["error"]).Should().Be("version_mismatch");
        health.StatusCode.Should().Be(HttpStatusCode.OK);
        current.StatusCode.Should().Be(HttpStatusCode.OK);
        _server.Launches.Should().ContainSingle("the refused launch was not accepted");
        _server.Calls.Select(c => c.ClientApiVersion).Should().Equal("19", null, "1", "20");
        _server.Calls.Where(c => c.ClientApiVersion is not null).Should().OnlyContain(c => c.ClientVersion == "1.0.0-test");
    }

    [Fact]
    public async Task Launch_answers_null_with_a_request_id_and_api_get_returns_the_job_id()
    {
        var env = new JsonObject { ["SKYPILOT_USER_ID"] = "a1b2c3d4", ["SKYPILOT_USER"] = "alice" };
        using var launch = await SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody(name: "my-job", env: env));

        launch.StatusCode.Should().Be(HttpStatusCode.OK);
        (await launch.Content.ReadAsStringAsync()).Should().Be("null");
        var id = launch.Headers.GetValues("X-Skypilot-Request-ID").Single();
        Guid.TryParse(id, out _).Should().BeTrue();
        launch.Headers.Contains("X-Request-ID").Should().BeFalse();

        using var get = await SendAsync(HttpMethod.Get, "/api/get?request_id=" + id);
        var payload = await JsonAsync(get);

        get.StatusCode.Should().Be(HttpStatusCode.OK);
        ((string?)payload["request_id"]).Should().Be(id);
        ((string?)payload["name"]).Should().Be("sky.jobs.launch");
        ((string?)payload["status"]).Should().Be("SUCCEEDED");
        ((string?)payload["return_value"]).Should().Be("[1,null]", "the return value is a JSON string of (job_id, handle)");
        ((string?)payload["error"]).Should().Be("null");
        ((double)payload["finished_at"]!).Should().BeGreaterThanOrEqualTo((double)payload["created_at"]!);
        payload.AsObject().ContainsKey("status_msg").Should().BeTrue();

        var recorded = _server.Launches.Should().ContainSingle().Subject;
        recorded.TaskYaml.Should().Be(TaskYaml);
        recorded.Name.Should().Be("my-job");
        recorded.EnvVars.Should().Contain("SKYPILOT_USER", "alice");
        recorded.Header("X-SkyPilot-API-Version").Should().Be("20");
        recorded.JobId.Should().Be(1);
        recorded.RequestId.Should().Be(id);

        using var invalid = await SendAsync(HttpMethod.Post, "/jobs/launch", new JsonObject { ["name"] = "no-task" });
        invalid.StatusCode.Should().Be((HttpStatusCode)422, "FastAPI rejects a body without task");
        _server.Launches.Should().ContainSingle();

        var second = await LaunchAsync();
        ((string?)(await JsonAsync(await SendAsync(HttpMethod.Get, "/api/get?request_id=" + second)))["return_value"]).Should().Be("[2,null]");
    }

    [Fact]
    public async Task Launch_return_value_can_be_a_job_id_object()
    {
        _server.LaunchReturn = FakeSkyLaunchReturn.JobIdObject;

        var payload = await JsonAsync(await SendAsync(HttpMethod.Get, "/api/get?request_id=" + await LaunchAsync()));

        JsonNode.Parse((string)payload["return_value"]!)!["job_id"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task Api_get_accepts_a_unique_prefix_404s_unknown_ids_and_400s_ambiguous_prefixes()
    {
        var ids = new List<string>();
        for (var i = 0; i < 17; i++)
        {
            using var response = await SendAsync(HttpMethod.Post, "/jobs/queue/v2", new JsonObject { ["skip_finished"] = false });
            ids.Add(response.Headers.GetValues(FakeSkyPilotApiServer.RequestIdHeader).Single());
        }

        // 17 ids, 16 hex digits: two share a first character.
        var shared = ids.GroupBy(id => id[..1]).First(g => g.Count() > 1).Key;
        var unique = ids[0][..13];

        using var byPrefix = await SendAsync(HttpMethod.Get, "/api/get?request_id=" + unique);
        using var ambiguous = await SendAsync(HttpMethod.Get, "/api/get?request_id=" + shared);
        using var unknown = await SendAsync(HttpMethod.Get, "/api/get?request_id=" + Guid.NewGuid());

        ((string?)(await JsonAsync(byPrefix))["request_id"]).Should().Be(ids[0]);
        ambiguous.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        ((string?)(await JsonAsync(unknown))["detail"]).Should().Contain("not found");
    }

    [Fact]
    public async Task Api_get_blocks_until_the_request_finishes_and_api_status_lists_it_meanwhile()
    {
        // Measured from before the launch, so a slow machine cannot eat the blocking time before /api/get is sent.
        _server.SetRequestDuration(FakeSkyPilotApiServer.JobsLaunch, TimeSpan.FromSeconds(1));
        var started = DateTimeOffset.UtcNow;
        var id = await LaunchAsync();

        var active = (await JsonAsync(await SendAsync(HttpMethod.Get, "/api/status"))).AsArray();
        var payload = await JsonAsync(await SendAsync(HttpMethod.Get, "/api/get?request_id=" + id));

        (DateTimeOffset.UtcNow - started).Should().BeGreaterThan(TimeSpan.FromMilliseconds(900));
        active.Should().ContainSingle();
        ((string?)active[0]!["request_id"]).Should().Be(id);
        ((string?)active[0]!["status"]).Should().BeOneOf("PENDING", "RUNNING");
        ((string?)active[0]!["user_id"]).Should().Be(_server.UserId);
        ((string?)payload["status"]).Should().Be("SUCCEEDED");
        (await JsonAsync(await SendAsync(HttpMethod.Get, "/api/status"))).AsArray().Should().BeEmpty("finished requests need all_status=true");
    }

    [Fact]
    public async Task Queue_v2_steps_through_the_status_script()
    {
        _server.ScriptNextJob(FakeSkyJobStatus.Pending, FakeSkyJobStatus.Starting, FakeSkyJobStatus.Running, FakeSkyJobStatus.Succeeded);
        await ResultAsync(await LaunchAsync());

        var seen = new List<string>();
        JsonNode last = null!;
        for (var i = 0; i < 5; i++)
        {
            last = await RunAsync("/jobs/queue/v2", new JsonObject { ["refresh"] = false, ["skip_finished"] = false, ["all_users"] = true, ["job_ids"] = null });
            seen.Add((string)last["jobs"]![0]!["status"]!);
        }

        seen.Should().Equal("PENDING", "STARTING", "RUNNING", "SUCCEEDED", "SUCCEEDED");
        ((int)last["total"]!).Should().Be(1);
        var job = last["jobs"]![0]!.AsObject();
        job.Select(p => p.Key).Should().Contain(["job_id", "task_id", "job_name", "task_name", "status", "schedule_state", "resources", "cloud", "region", "infra",
            "recovery_count", "failure_reason", "details", "user_name", "workspace", "submitted_at", "start_at", "end_at", "job_duration"]);
        ((int)job["job_id"]!).Should().Be(1);
        ((string?)job["job_name"]).Should().Be("train");
        ((string?)job["cloud"]).Should().Be("GCP");
        ((string?)job["region"]).Should().Be("europe-west4");
        ((string?)job["schedule_state"]).Should().Be("DONE");
        ((double)job["end_at"]!).Should().BeGreaterThanOrEqualTo((double)job["start_at"]!);
        ((double)job["start_at"]!).Should().BeGreaterThanOrEqualTo((double)job["submitted_at"]!);
        job["failure_reason"].Should().BeNull();
    }

    [Fact]
    public async Task A_prechecks_failure_script_reports_the_failure_reason_and_skip_finished_hides_it()
    {
        const string reason = "GCP access is disabled: compute.instances.create is missing";
        _server.ScriptNextJob(FakeSkyJobStatus.Pending, FakeSkyJobStep.Fail(FakeSkyJobStatus.FailedPrechecks, reason));
        _server.ScriptNextJob(FakeSkyJobStatus.Running);
        await LaunchAsync();
        await LaunchAsync();

        var first = await RunAsync("/jobs/queue", new JsonObject { ["skip_finished"] = false, ["job_ids"] = new JsonArray(1) });
        var second = await RunAsync("/jobs/queue", new JsonObject { ["skip_finished"] = false, ["job_ids"] = new JsonArray(1) });
        var active = await RunAsync("/jobs/queue", new JsonObject { ["skip_finished"] = true });

        ((string?)first[0]!["status"]).Should().Be("PENDING");
        ((string?)second[0]!["status"]).Should().Be("FAILED_PRECHECKS");
        ((string?)second[0]!["failure_reason"]).Should().Be(reason);
        active.AsArray().Select(j => (int)j!["job_id"]!).Should().Equal(2);
        _server.GetJob(1)!.Status.Should().Be(FakeSkyJobStatus.FailedPrechecks);
        FluentActions.Invoking(() => _server.ScriptNextJob("DONE")).Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task FailNextLaunch_makes_api_get_answer_500_with_the_request_payload_as_detail()
    {
        _server.FailNextLaunch("ResourcesUnavailableError", "No resource satisfying the request");
        var id = await LaunchAsync();

        using var get = await SendAsync(HttpMethod.Get, "/api/get?request_id=" + id);
        var body = await JsonAsync(get);

        get.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        var detail = body["detail"]!;
        ((string?)detail["request_id"]).Should().Be(id);
        ((string?)detail["name"]).Should().Be("sky.jobs.launch");
        ((string?)detail["status"]).Should().Be("FAILED");
        ((string?)detail["return_value"]).Should().Be("null");
        var error = JsonNode.Parse((string)detail["error"]!)!;
        ((string?)error["type"]).Should().Be("ResourcesUnavailableError");
        ((string?)error["message"]).Should().Be("No resource satisfying the request");
        var pickled = Convert.FromBase64String((string)error["object"]!);
        pickled.Take(2).Should().Equal(new byte[] { 0x80, 0x02 }, "object is a base64 pickle, as in SkyPilot");
        Encoding.UTF8.GetString(pickled).Should().Contain("ResourcesUnavailableError");

        _server.Launches.Should().ContainSingle().Which.JobId.Should().BeNull();
        _server.Jobs.Should().BeEmpty();
        await LaunchAsync();
        _server.Jobs.Select(j => j.JobId).Should().Equal(1);
    }

    [Fact]
    public async Task A_dropped_launch_response_leaves_one_launch_and_a_request_findable_via_api_status()
    {
        (await SendAsync(HttpMethod.Get, "/api/health")).Dispose(); // the launch then goes over a reused connection
        _server.DropNextLaunchResponse();

        var send = () => SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody());
        await send.Should().ThrowAsync<HttpRequestException>();

        var launch = await _server.WaitForLaunchAsync();
        _server.Launches.Should().ContainSingle();
        _server.Jobs.Should().ContainSingle();
        var all = (await JsonAsync(await SendAsync(HttpMethod.Get, "/api/status?all_status=true"))).AsArray();
        var found = all.Single(r => (string?)r!["name"] == "sky.jobs.launch")!;
        ((string?)found["request_id"]).Should().Be(launch.RequestId);
        ((double)found["created_at"]!).Should().BePositive();
        ((string?)found["user_id"]).Should().Be(_server.UserId);
        var result = await ResultAsync((string)found["request_id"]!);
        ((string?)result["return_value"]).Should().Be("[1,null]");
        _server.CountRequests("/jobs/launch").Should().Be(1);
    }

    [Fact]
    public async Task Cancel_moves_an_active_job_to_cancelling_then_cancelled()
    {
        _server.DefaultJobScript = [FakeSkyJobStatus.Running];
        await LaunchAsync();
        await LaunchAsync();
        _server.ScriptJob(2, FakeSkyJobStatus.Succeeded);

        var cancel = await RunRawAsync("/jobs/cancel", new JsonObject { ["name"] = null, ["job_ids"] = new JsonArray(1, 2), ["all"] = false, ["all_users"] = false });
        var first = await RunAsync("/jobs/queue/v2", new JsonObject { ["skip_finished"] = false });
        var second = await RunAsync("/jobs/queue/v2", new JsonObject { ["skip_finished"] = false });

        cancel.Should().Be("null");
        Status(first, 1).Should().Be("CANCELLING");
        Status(second, 1).Should().Be("CANCELLED");
        Status(second, 2).Should().Be("SUCCEEDED", "a finished job is not cancelled");
        ((string?)second["jobs"]!.AsArray().Single(j => (int)j!["job_id"]! == 1)!["schedule_state"]).Should().Be("DONE");
    }

    [Fact]
    public async Task Unavailable_answers_503_and_a_stopped_listener_refuses_connections()
    {
        await LaunchAsync();
        _server.Unavailable = true;
        (await SendAsync(HttpMethod.Get, "/api/health")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody())).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        _server.Unavailable = false;

        await _server.StopListeningAsync();
        var refused = () => SendAsync(HttpMethod.Get, "/api/health");
        (await refused.Should().ThrowAsync<HttpRequestException>()).Which.HttpRequestError.Should().Be(HttpRequestError.ConnectionError);

        await _server.ResumeListeningAsync();
        var queue = await RunAsync("/jobs/queue/v2", new JsonObject());
        ((int)queue["total"]!).Should().Be(1, "the state survives a listener restart");
        _server.CountRequests("/jobs/launch").Should().Be(2);
        _server.CountRequests("/api/health").Should().Be(1, "the refused connection never reached the server");
        _server.Launches.Should().ContainSingle("the 503 launch was not accepted");
    }

    private static string Status(JsonNode queueV2, int jobId) => (string)queueV2["jobs"]!.AsArray().Single(j => (int)j!["job_id"]! == jobId)!["status"]!;

    private static string NewToken() => "sky_test_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    private static JsonObject LaunchBody(string? name = null, JsonObject? env = null) => new()
    {
        ["task"] = TaskYaml,
        ["name"] = name,
        ["env_vars"] = env ?? new JsonObject(),
        ["entrypoint"] = "sky jobs launch",
        ["using_remote_api_server"] = true,
    };

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? bearer = null,
        (string User, string Password)? basic = null, string? apiVersion = "20")
    {
        using var request = new HttpRequestMessage(method, _server.BaseUrl + path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        if (apiVersion is not null)
        {
            request.Headers.Add("X-SkyPilot-API-Version", apiVersion);
            request.Headers.Add("X-SkyPilot-Version", "1.0.0-test");
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        else if (basic is { } b)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(b.User + ":" + b.Password)));
        }

        return await Http.SendAsync(request);
    }

    private static async Task<JsonNode> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }
    }

    private async Task<string> LaunchAsync()
    {
        using var response = await SendAsync(HttpMethod.Post, "/jobs/launch", LaunchBody());
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return response.Headers.GetValues(FakeSkyPilotApiServer.RequestIdHeader).Single();
    }

    private async Task<JsonNode> ResultAsync(string requestId)
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/get?request_id=" + requestId);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await JsonAsync(response);
    }

    /// <summary>POST, then /api/get, then the decoded return value.</summary>
    private async Task<JsonNode> RunAsync(string path, JsonObject body) => JsonNode.Parse(await RunRawAsync(path, body))!;

    /// <summary>POST, then /api/get; the return value as the JSON string the server sent.</summary>
    private async Task<string> RunRawAsync(string path, JsonObject body)
    {
        using var response = await SendAsync(HttpMethod.Post, path, body);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var id = response.Headers.TryGetValues(FakeSkyPilotApiServer.RequestIdHeader, out var ids) ? ids.Single() : response.Headers.GetValues("X-Request-ID").Single();
        return (string)(await ResultAsync(id))["return_value"]!;
    }
}
