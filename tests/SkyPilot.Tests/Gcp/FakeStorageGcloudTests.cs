using System.Security.Cryptography;
using System.Text;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Gcp;

// The fake Cloud Storage is proven by the real gcloud: what it uploads (multipart, resumable, resumed after a cut,
// parallel composite), lists, reads and downloads. What our own client sends is proven by the Firebase Storage
// emulator (FirebaseEmulatorTests).

/// <summary>A fake Google with one bucket, and the real gcloud pointed at it through a private CLOUDSDK_CONFIG.</summary>
internal sealed class GcloudStorageWorld : IAsyncDisposable
{
    public const string Account = "cli@proj.iam.gserviceaccount.com";
    public const string Bucket = "bkt-cli";

    private GcloudStorageWorld(FakeGoogleServer server, TempDirectory temp)
    {
        Server = server;
        Temp = temp;
        Directory.CreateDirectory(temp.Combine("gcloud"));
        Gcloud = new Gcloud(temp.Combine("gcloud"));
    }

    public FakeGoogleServer Server { get; }

    public TempDirectory Temp { get; }

    public Gcloud Gcloud { get; }

    public static async Task<GcloudStorageWorld> StartAsync()
    {
        Gcloud.Locate().Should().NotBeNull("gcloud must be installed for these tests (CI checks for it)");
        var world = new GcloudStorageWorld(await FakeGoogleServer.StartAsync(), new TempDirectory());
        world.Server.Grant(Account, "proj", ["storage.buckets.get", "storage.objects.create", "storage.objects.get", "storage.objects.list", "storage.objects.delete"]);
        world.Server.CreateBucket(Bucket, "proj");
        var tokenFile = world.Temp.WriteFile("token", world.Server.IssueStaticToken(Account));
        world.Gcloud.Environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE"] = world.Server.BaseUrl + "/";
        world.Gcloud.Environment["CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"] = tokenFile;
        world.Gcloud.Environment["CLOUDSDK_CORE_PROJECT"] = "proj";
        return world;
    }

    public async Task<(string Path, byte[] Bytes)> RandomFileAsync(string name, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var path = Temp.Combine(name);
        await File.WriteAllBytesAsync(path, bytes);
        return (path, bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Temp.Dispose();
    }
}

/// <summary>The real gcloud CLI copying to, listing and reading from the fake Cloud Storage.</summary>
public sealed class FakeStorageGcloudTests : IAsyncLifetime
{
    private const string Bucket = GcloudStorageWorld.Bucket;
    private GcloudStorageWorld _world = null!;

    public async Task InitializeAsync() => _world = await GcloudStorageWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task Gcloud_storage_cp_ls_cat_and_cp_back_round_trip_small_and_20MiB_files()
    {
        var small = Encoding.UTF8.GetBytes("hello from the fake bucket\n");
        var smallPath = _world.Temp.Combine("small.txt");
        await File.WriteAllBytesAsync(smallPath, small);
        var (bigPath, big) = await _world.RandomFileAsync("big.bin", 20 * 1024 * 1024, 42);

        await _world.Gcloud.RunAsync("storage", "cp", smallPath, "gs://" + Bucket + "/small.txt");
        await _world.Gcloud.RunAsync("storage", "cp", bigPath, "gs://" + Bucket + "/data/big.bin");

        var server = _world.Server;
        server.UploadRequestCount("multipart").Should().Be(1, "gcloud sends small files in one multipart request");
        server.UploadRequestCount("resumable").Should().BeGreaterThanOrEqualTo(2, "and large ones through a resumable session");
        var stored = server.Objects(Bucket);
        stored.Select(o => o.Name).Should().Equal("data/big.bin", "small.txt");
        stored[0].Length.Should().Be(big.Length);
        stored[0].Md5Base64.Should().Be(Convert.ToBase64String(MD5.HashData(big)));
        stored[1].ReadAllBytes().Should().Equal(small);
        stored[1].ContentType.Should().Be("text/plain");

        var listing = await _world.Gcloud.RunAsync("storage", "ls", "gs://" + Bucket);
        listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().BeEquivalentTo("gs://" + Bucket + "/small.txt", "gs://" + Bucket + "/data/");

        (await _world.Gcloud.RunAsync("storage", "cat", "gs://" + Bucket + "/small.txt")).Should().Be(Encoding.UTF8.GetString(small));

        var backPath = _world.Temp.Combine("back.bin");
        await _world.Gcloud.RunAsync("storage", "cp", "gs://" + Bucket + "/data/big.bin", backPath);
        (await File.ReadAllBytesAsync(backPath)).Should().Equal(big);

        server.UnhandledStorageRequests.Should().BeEmpty();
    }

    [Fact]
    public async Task Gcloud_parallel_composite_upload_composes_the_components_and_deletes_them()
    {
        // gcloud turns this on by itself above 150 MiB; lowered here so 20 MiB goes the same way.
        _world.Gcloud.Environment["CLOUDSDK_STORAGE_PARALLEL_COMPOSITE_UPLOAD_ENABLED"] = "True";
        _world.Gcloud.Environment["CLOUDSDK_STORAGE_PARALLEL_COMPOSITE_UPLOAD_THRESHOLD"] = "8M";
        _world.Gcloud.Environment["CLOUDSDK_STORAGE_PARALLEL_COMPOSITE_UPLOAD_COMPONENT_SIZE"] = "5M";
        _world.Gcloud.Environment["CLOUDSDK_STORAGE_RESUMABLE_THRESHOLD"] = "1M";
        var (path, bytes) = await _world.RandomFileAsync("composite.bin", 20 * 1024 * 1024, 44);

        await _world.Gcloud.RunAsync("storage", "cp", path, "gs://" + Bucket + "/composite.bin");

        _world.Server.CountRequests("/o/composite.bin/compose").Should().Be(1);
        var stored = _world.Server.Objects(Bucket).Should().ContainSingle("the temporary components were deleted").Subject;
        stored.Name.Should().Be("composite.bin");
        stored.ComponentCount.Should().BeGreaterThan(1);
        stored.Crc32c.Should().Be(Crc32c.Compute(bytes));
        stored.ReadAllBytes().Should().Equal(bytes);
        _world.Server.UnhandledStorageRequests.Should().BeEmpty();
    }
}

/// <summary>The real gcloud recovering from a connection cut in the middle of a resumable upload.</summary>
public sealed class FakeStorageGcloudResumeTests : IAsyncLifetime
{
    private GcloudStorageWorld _world = null!;

    public async Task InitializeAsync() => _world = await GcloudStorageWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task Gcloud_resumes_a_dropped_upload_from_the_range_a_status_query_reports()
    {
        var (path, big) = await _world.RandomFileAsync("big.bin", 20 * 1024 * 1024, 43);
        _world.Server.DropUploadConnectionAfter(5_000_000);

        await _world.Gcloud.RunAsync("storage", "cp", path, "gs://" + GcloudStorageWorld.Bucket + "/resumed.bin");

        // gcloud: the whole file in one PUT (cut after 5,000,000 bytes), a status query "bytes */*", then the rest
        // from the last 256 KiB boundary the fake kept (19 units = 4,980,736 bytes).
        var puts = _world.Server.Requests.Where(r => r.Method == "PUT").ToList();
        puts.Should().HaveCount(3);
        var stored = _world.Server.Object(GcloudStorageWorld.Bucket, "resumed.bin")!;
        stored.Length.Should().Be(big.Length);
        stored.Md5Base64.Should().Be(Convert.ToBase64String(MD5.HashData(big)));
        stored.Crc32c.Should().Be(Crc32c.Compute(big));
        stored.ReadAllBytes().Should().Equal(big);
        _world.Server.UnhandledStorageRequests.Should().BeEmpty();
    }
}
