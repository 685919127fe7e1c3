using SkyPilot.Core;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.Core.Storage;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Gcp;

/// <summary>
/// Wire-format check against a Cloud Storage implementation we did not write: the Firebase Storage emulator
/// (firebase-tools, pinned in tests/firebase-storage) receives our uploads, and the real gcloud CLI reads them back.
/// The emulator has no testIamPermissions and no buckets.insert, so <see cref="GcsStager.StageAsync"/> cannot run
/// against it (its bucket check would see 404 and try to create the bucket): these tests drive the layer below it,
/// <see cref="GcsClient"/> (upload and list), with a plan made by <see cref="StagingPlanner"/>. The emulator finalizes
/// a resumable session on its first PUT (it ignores Content-Range), and every file our client sends resumably needs
/// at least two 8 MiB chunks, so our resumable path cannot be checked here: the largest file in the tree is the largest
/// one our client sends in one multipart request, and a second test pins what happens to a larger one.
/// </summary>
public sealed class FirebaseEmulatorTests : IAsyncLifetime
{
    private const string Bucket = "skyps-emulator";

    private readonly TempDirectory _temp = new();
    private readonly HttpClient _http = new();
    private FirebaseStorageEmulator _emulator = null!;
    private Gcloud _gcloud = null!;

    public async Task InitializeAsync()
    {
        _emulator = await FirebaseStorageEmulator.StartAsync();
        await _emulator.EnsureBucketAsync(Bucket);
        Gcloud.Locate().Should().NotBeNull("gcloud must be installed for these tests (CI checks for it)");
        Directory.CreateDirectory(_temp.Combine("gcloud"));
        _gcloud = new Gcloud(_temp.Combine("gcloud"));
        // The emulator accepts any bearer token; gcloud needs one to send.
        _gcloud.Environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE"] = _emulator.BaseUrl + "/";
        _gcloud.Environment["CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"] = _temp.WriteFile("token", "emulator-token");
        _gcloud.Environment["CLOUDSDK_CORE_PROJECT"] = "demo-skypilot";
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _emulator.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_planned_tree_uploaded_by_our_client_is_listed_and_downloaded_byte_identical_by_gcloud()
    {
        var root = _temp.Combine("project");
        WriteBytes(root, "src/train.py", "print('train')\n"u8.ToArray());
        WriteBytes(root, "src/pkg/__init__.py", []);
        WriteBytes(root, "src/pkg/models/net.py", "class Net:\n    pass\n"u8.ToArray());
        WriteBytes(root, "data/labels.csv", "id,label\n1,cat\n2,dog\n"u8.ToArray());
        WriteBytes(root, "data/notes with spaces.txt", "spaces in object names\n"u8.ToArray());
        WriteBytes(root, "data/nested/deeper/sample.bin", RandomBytes(300 * 1024 + 7, seed: 1));
        // The largest file our client sends in one multipart request (above this it switches to a resumable session).
        WriteBytes(root, "data/nested/big.bin", RandomBytes((int)GcsClient.ResumableThreshold, seed: 2));
        WriteBytes(root, "config.json", "{\"lr\": 0.1}\n"u8.ToArray());
        WriteBytes(root, "task.yaml", """
            workdir: ./src
            file_mounts:
              /data: ./data
              /config.json: ./config.json
            run: python train.py
            """u8.ToArray());
        var plan = StagingPlanner.Plan(TaskParser.ParseFile(Path.Combine(root, "task.yaml"), root), "gs://" + Bucket + "/team", CancellationToken.None);
        var expected = new Dictionary<string, string>
        {
            ["workdir/train.py"] = "src/train.py",
            ["workdir/pkg/__init__.py"] = "src/pkg/__init__.py",
            ["workdir/pkg/models/net.py"] = "src/pkg/models/net.py",
            ["local-file-mounts/0/labels.csv"] = "data/labels.csv",
            ["local-file-mounts/0/notes with spaces.txt"] = "data/notes with spaces.txt",
            ["local-file-mounts/0/nested/deeper/sample.bin"] = "data/nested/deeper/sample.bin",
            ["local-file-mounts/0/nested/big.bin"] = "data/nested/big.bin",
            ["tmp-files/1/config.json"] = "config.json",
        };
        plan.Files.Select(f => f.ObjectName).Should().BeEquivalentTo(expected.Keys.Select(k => plan.JobPrefix + k));
        plan.Files.Max(f => f.Size).Should().Be(GcsClient.ResumableThreshold);

        var client = new GcsClient(_http, new HttpSettings(), new NullSkyLog(), _emulator.BaseUrl, _ => Task.FromResult("emulator-token"));
        foreach (var file in plan.Files)
        {
            long reported = 0;
            var stored = await client.UploadAsync(plan.Bucket, file.ObjectName, file.LocalPath, n => reported += n, CancellationToken.None);

            stored.Name.Should().Be(file.ObjectName);
            stored.Size.Should().Be(file.Size);
            stored.Md5Base64.Should().Be(file.Md5Base64, "the emulator's md5Hash must match ours for " + file.ObjectName);
            stored.Generation.Should().NotBeNullOrEmpty();
            reported.Should().Be(file.Size);
        }

        // What GcsStager lists to skip files already staged: same names, sizes and MD5s as the plan.
        var listed = await client.ListAsync(plan.Bucket, plan.JobPrefix, CancellationToken.None);
        listed.Keys.Should().BeEquivalentTo(plan.Files.Select(f => f.ObjectName));
        foreach (var file in plan.Files)
        {
            listed[file.ObjectName].Size.Should().Be(file.Size);
            listed[file.ObjectName].Md5Base64.Should().Be(file.Md5Base64);
        }

        var prefixUri = "gs://" + Bucket + "/" + plan.JobPrefix.TrimEnd('/');
        var listing = await _gcloud.RunAsync("storage", "ls", "--recursive", prefixUri);
        var objects = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("gs://", StringComparison.Ordinal) && !line.EndsWith('/') && !line.EndsWith(':'));
        objects.Should().BeEquivalentTo(expected.Keys.Select(k => prefixUri + "/" + k), "gcloud storage ls --recursive printed:\n" + listing);

        var download = _temp.Combine("download");
        Directory.CreateDirectory(download);
        await _gcloud.RunAsync("storage", "cp", "-r", prefixUri, download);
        var downloaded = Path.Combine(download, "job-" + plan.RunId);
        Directory.EnumerateFiles(downloaded, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(downloaded, f).Replace('\\', '/'))
            .Should().BeEquivalentTo(expected.Keys);
        foreach (var (objectPath, localPath) in expected)
        {
            File.ReadAllBytes(Path.Combine(downloaded, objectPath)).Should().Equal(File.ReadAllBytes(Path.Combine(root, localPath)), objectPath + " must come back byte-identical");
        }
    }

    [Fact]
    public async Task A_resumable_upload_the_emulator_completes_after_its_first_chunk_fails_instead_of_staging_a_truncated_object()
    {
        // The emulator appends the first PUT of a resumable session and finalizes it at once (it ignores Content-Range),
        // so a file that needs two chunks ends up truncated there. Our client must not report such an object as staged.
        // If a newer firebase-tools supports chunked uploads, this test fails: then add a > 8 MiB file to the test above.
        var path = WriteBytes(_temp.Path, "big.bin", RandomBytes((int)GcsClient.ResumableThreshold + 1, seed: 3));
        var client = new GcsClient(_http, new HttpSettings(), new NullSkyLog(), _emulator.BaseUrl, _ => Task.FromResult("emulator-token"));

        var upload = () => client.UploadAsync(Bucket, "big.bin", path, _ => { }, CancellationToken.None);

        (await upload.Should().ThrowAsync<IOException>())
            .Which.Message.Should().Contain(GcsClient.ChunkSize + " of " + (GcsClient.ResumableThreshold + 1) + " bytes");
    }

    private static string WriteBytes(string root, string relativePath, byte[] bytes)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
