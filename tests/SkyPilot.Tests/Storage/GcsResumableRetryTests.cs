using SkyPilot.Core;
using SkyPilot.Core.Http;
using SkyPilot.Core.Storage;
using SkyPilot.Tests.Support;

namespace SkyPilot.Tests.Storage;

/// <summary>
/// A resumable upload retries per chunk under the one policy (<see cref="RetryPolicy"/>): the limit is
/// <see cref="HttpSettings.MaxAttempts"/> consecutive attempts without progress, each one chunk PUT and at most one
/// status query, never the sender's retries nested inside the loop's.
/// </summary>
public sealed class GcsResumableRetryTests : IAsyncLifetime
{
    private const string Bucket = "skyps-resume";
    private const string Account = "stager@demo.iam.gserviceaccount.com";

    private readonly TempDirectory _temp = new();
    private readonly HttpClient _http = new();
    private readonly RecordingLog _log = new();
    private FakeGoogleServer _server = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeGoogleServer.StartAsync();
        _server.CreateBucket(Bucket, "demo");
        _token = _server.IssueStaticToken(Account);
        _server.GrantBucket(Account, Bucket, "storage.objects.create", "storage.objects.delete", "storage.objects.get", "storage.objects.list");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    private GcsClient Client(int maxAttempts) =>
        new(_http, new HttpSettings().With(maxAttempts: maxAttempts, baseDelay: TimeSpan.FromMilliseconds(1)), _log, _server.BaseUrl, _ => Task.FromResult(_token));

    private string BigFile()
    {
        var path = _temp.Combine("big.bin");
        var bytes = new byte[GcsClient.ResumableThreshold + 1];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private int SessionRequests() => _server.Requests.Count(r => r.Query.Contains("upload_id=", StringComparison.Ordinal));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_chunk_that_keeps_failing_costs_MaxAttempts_puts_and_as_many_single_status_queries(int maxAttempts)
    {
        var path = BigFile();
        _server.InjectFault("upload_id=", Fault.Status(503), times: 1000);

        var act = () => Client(maxAttempts).UploadAsync(Bucket, "job/big.bin", path, _ => { }, CancellationToken.None);

        (await act.Should().ThrowAsync<ServiceUnreachableException>())
            .Which.Detail.Should().Contain("no progress after " + maxAttempts + " attempts at byte 0");
        // Before the one policy: 6 loop attempts × (1 PUT + 4 sender attempts of the status query) = 30, whatever the settings.
        SessionRequests().Should().Be(2 * maxAttempts, "each attempt is one chunk PUT and one status query, with no retries nested inside");
        _server.UploadRequestCount("resumable").Should().Be(1 + (2 * maxAttempts), "the session was started once");
    }

    [Fact]
    public async Task A_chunk_that_fails_then_recovers_resumes_from_the_committed_offset_and_completes()
    {
        var path = BigFile();
        // The first chunk PUT and the status query after it fail; the second attempt goes through.
        _server.InjectFault("upload_id=", Fault.Status(503), times: 2);

        var info = await Client(maxAttempts: 2).UploadAsync(Bucket, "job/big.bin", path, _ => { }, CancellationToken.None);

        info.Size.Should().Be(GcsClient.ResumableThreshold + 1);
        _server.Object(Bucket, "job/big.bin")!.ReadAllBytes().Should().Equal(File.ReadAllBytes(path));
        SessionRequests().Should().Be(4, "PUT (503), status query (503), then the two chunks");
        _log.Lines.Should().Contain(l => l.Contains("no progress at byte 0; retrying") && l.Contains("attempt 2 of 2"));
    }

    [Fact]
    public async Task A_lost_chunk_is_followed_by_one_status_query_and_the_upload_continues_from_what_the_server_holds()
    {
        var path = BigFile();
        _server.DropUploadConnectionAfter(3 * 1024 * 1024);

        var info = await Client(maxAttempts: 2).UploadAsync(Bucket, "job/big.bin", path, _ => { }, CancellationToken.None);

        info.Size.Should().Be(GcsClient.ResumableThreshold + 1);
        _server.Object(Bucket, "job/big.bin")!.ReadAllBytes().Should().Equal(File.ReadAllBytes(path));
        // Dropped PUT, one status query (308: 3 MiB held), then one PUT of the remaining 5 MiB + 1 byte.
        SessionRequests().Should().Be(3);
    }
}
