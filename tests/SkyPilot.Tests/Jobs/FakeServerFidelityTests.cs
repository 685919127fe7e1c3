using System.Text;
using System.Text.Json.Nodes;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

/// <summary>The fake API server answers in the shapes the recorded 0.13.0rc1 exchanges show.</summary>
public sealed class FakeServerFidelityTests : IAsyncLifetime
{
    private FakeSkyPilotApiServer _server = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _server = await FakeSkyPilotApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, int? apiVersion = 52)
    {
        var request = new HttpRequestMessage(method, _server.BaseUrl + path);
        if (apiVersion is int v)
        {
            request.Headers.Add("X-SkyPilot-API-Version", v.ToString());
            request.Headers.Add("X-SkyPilot-Version", "0.13.0rc1");
        }

        if (body != null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await _http.SendAsync(request);
    }

    private static IEnumerable<string> Keys(string json) => JsonNode.Parse(json)!.AsObject().Select(p => p.Key);

    private async Task<JsonObject> ResultAsync(HttpResponseMessage accepted)
    {
        var id = accepted.Headers.GetValues("X-Skypilot-Request-ID").Single();
        var record = JsonNode.Parse(await (await SendAsync(HttpMethod.Get, "/api/get?request_id=" + id)).Content.ReadAsStringAsync())!.AsObject();
        return (record["detail"] as JsonObject) ?? record;
    }

    [Fact]
    public async Task Health_has_the_recorded_keys_a_string_api_version_and_no_user_when_auth_is_off()
    {
        var body = await (await SendAsync(HttpMethod.Get, "/api/health")).Content.ReadAsStringAsync();

        Keys(body).Should().BeEquivalentTo(Keys(RecordedExchanges.Get("1a").ResponseBody).Where(k => k != "version_on_disk" || true));
        JsonNode.Parse(body)!["api_version"]!.GetValue<string>().Should().Be("52");
        JsonNode.Parse(body)!["user"].Should().BeNull();
    }

    [Fact]
    public async Task The_version_gate_answers_every_route_like_the_recording_and_only_when_both_headers_are_sent()
    {
        var refused = await SendAsync(HttpMethod.Get, "/api/health", apiVersion: 20);
        ((int)refused.StatusCode).Should().Be(400);
        var body = await refused.Content.ReadAsStringAsync();
        Keys(body).Should().Equal(Keys(RecordedExchanges.Get("1b").ResponseBody));
        JsonNode.Parse(body)!["message"]!.GetValue<string>().Should().Contain("\u001b[33m").And.Contain("pip install -U");
        refused.Headers.GetValues("X-SkyPilot-API-Version").Single().Should().Be("52");

        ((int)(await SendAsync(HttpMethod.Post, "/jobs/queue/v2", "{}", apiVersion: 20)).StatusCode).Should().Be(400);
        var unversioned = await SendAsync(HttpMethod.Get, "/api/health", apiVersion: null);
        ((int)unversioned.StatusCode).Should().Be(200);
        unversioned.Headers.Contains("X-SkyPilot-API-Version").Should().BeFalse();
    }

    [Fact]
    public async Task Launch_queue_and_cancel_answer_in_the_recorded_shapes()
    {
        var empty = await ResultAsync(await SendAsync(HttpMethod.Post, "/jobs/queue/v2", "{}"));
        var recordedEmpty = JsonNode.Parse(RecordedExchanges.Get("6b").ResponseBody)!["detail"]!;
        empty["status"]!.GetValue<string>().Should().Be("FAILED");
        JsonNode.Parse(empty["error"]!.GetValue<string>())!["type"]!.GetValue<string>().Should().Be(JsonNode.Parse(recordedEmpty["error"]!.GetValue<string>())!["type"]!.GetValue<string>());

        var launch = await ResultAsync(await SendAsync(HttpMethod.Post, "/jobs/launch", "{\"task\":\"name: t2\\nrun: echo hi\\n\",\"name\":\"t2\"}"));
        var recordedLaunch = JsonNode.Parse(JsonNode.Parse(RecordedExchanges.Get("5d").ResponseBody)!["return_value"]!.GetValue<string>())!;
        var returned = JsonNode.Parse(launch["return_value"]!.GetValue<string>())!;
        Keys(returned.ToJsonString()).Should().Equal(Keys(recordedLaunch.ToJsonString()));
        returned["job_id"]!.AsArray().Single()!.GetValue<int>().Should().Be(1);

        var queue = JsonNode.Parse((await ResultAsync(await SendAsync(HttpMethod.Post, "/jobs/queue/v2", "{}")))["return_value"]!.GetValue<string>())!;
        var recordedQueue = JsonNode.Parse(JsonNode.Parse(RecordedExchanges.Get("5h").ResponseBody)!["return_value"]!.GetValue<string>())!;
        Keys(queue.ToJsonString()).Should().BeEquivalentTo(Keys(recordedQueue.ToJsonString()));
        Keys(recordedQueue["jobs"]![0]!.ToJsonString()).Should().Contain(Keys(queue["jobs"]![0]!.ToJsonString()));

        foreach (var (body, recorded) in new[] { ("{\"job_ids\":[99999]}", "5v"), ("{\"job_ids\":[1]}", "5za") })
        {
            var accepted = await SendAsync(HttpMethod.Post, "/jobs/cancel", body);
            var id = accepted.Headers.GetValues("X-Skypilot-Request-ID").Single();
            (await ResultAsync(accepted))["return_value"]!.GetValue<string>().Should().Be("null");
            var log = await (await SendAsync(HttpMethod.Get, "/api/stream?request_id=" + id + "&format=plain&follow=false")).Content.ReadAsStringAsync();
            var recordedFirst = RecordedExchanges.Get(recorded).ResponseBody.Split('\n')[0];
            log.Split('\n')[0].Should().Be(recordedFirst.Replace("Job 2 ", "Job 1 ").Replace("ID 2 ", "ID 1 "));
        }
    }
}
