using System.Diagnostics;
using System.Globalization;
using SkyPilot.Core;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.Core.Storage;
using SkyPilot.TestKit;

namespace SkyPilot.Benchmarks;

/// <summary>
/// Staging to a loopback Cloud Storage: (a) 1,000 files of 4 KiB, (b) one 256 MiB file, each against
/// `gcloud storage cp` to the same server in the same run; the re-run (nothing changed); and the peak working set
/// while staging the big file.
/// </summary>
public static class StagingBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var bigMiB = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 256;
        using var temp = new TempDirectory("skyps-bench");
        await using var server = await FakeGoogleServer.StartAsync();
        var key = server.CreateServiceAccount("bench@proj.iam.gserviceaccount.com", "proj");
        server.Grant(key.Email, "proj", KnownPermissions.All.Concat(["storage.objects.create", "storage.objects.get", "storage.objects.list", "storage.objects.delete"]));
        server.CreateBucket("bench", "proj");
        key.WriteTo(temp.Combine("key.json"));
        var env = new SkyEnvironment(
            new Dictionary<string, string>
            {
                ["HOME"] = temp.Combine("home"),
                ["CLOUDSDK_CONFIG"] = temp.Combine("gcloud"),
                ["GOOGLE_APPLICATION_CREDENTIALS"] = temp.Combine("key.json"),
                ["CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE"] = server.BaseUrl + "/",
            },
            temp.Combine("home"),
            isWindows: false);
        Directory.CreateDirectory(temp.Combine("home"));
        Directory.CreateDirectory(temp.Combine("gcloud"));

        for (var i = 0; i < 1000; i++)
        {
            temp.WriteFile(Path.Combine("small", "d" + (i % 20), "f" + i + ".bin"), new string((char)('a' + (i % 26)), 4096));
        }

        var big = temp.Combine("big", "model.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(big)!);
        WriteRandom(big, bigMiB * 1024L * 1024);

        var gcloud = new Gcloud(temp.Combine("gcloud"));
        gcloud.Environment["CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"] = temp.WriteFile("token", server.IssueStaticToken(key.Email));
        gcloud.Environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE"] = server.BaseUrl + "/";
        gcloud.Environment["CLOUDSDK_CORE_PROJECT"] = "proj";

        // Timed from the task file: planning hashes every file (MD5), as gcloud hashes what it uploads.
        var stager = new GcsStager(SharedHttpClient.Instance, NullSkyLog.Instance);
        var smallYaml = temp.WriteFile("small.yaml", "workdir: ./small\nrun: ls\n");
        var bigYaml = temp.WriteFile("big.yaml", "file_mounts:\n  /model.bin: ./big/model.bin\nrun: ls\n");
        Task Stage(string yaml) => stager.StageAsync(Plan(temp, yaml), env, _ => { }, CancellationToken.None);

        var smallOurs = await Timing.TimeAsync(() => Stage(smallYaml));
        var smallRerun = await Timing.TimeAsync(() => Stage(smallYaml));
        // The same tree to a new prefix: every file uploads again, with the code already compiled.
        var smallWarm = await Timing.TimeAsync(() => Stage(temp.WriteFile("small-warm.yaml", "workdir: ./small\nrun: ls\n")));
        var smallPeer = await Timing.TimeAsync(() => gcloud.RunAsync("storage", "cp", "-r", temp.Combine("small"), "gs://bench/gcloud-small/"));

        Process.GetCurrentProcess().Refresh();
        GC.Collect();
        var idle = Process.GetCurrentProcess().WorkingSet64;
        long peak = idle;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var process = Process.GetCurrentProcess();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(20);
            }
        });
        var bigOurs = await Timing.TimeAsync(() => Stage(bigYaml));
        sampling.Cancel();
        await sampler;
        var bigRerun = await Timing.TimeAsync(() => Stage(bigYaml));
        var bigPeer = await Timing.TimeAsync(() => gcloud.RunAsync("storage", "cp", big, "gs://bench/gcloud-big/model.bin"));

        Console.WriteLine($"(a) 1,000 files x 4 KiB (plan + stage): ours {Timing.Ms(smallOurs, 0)}, gcloud storage cp -r {Timing.Ms(smallPeer, 0)} -> gcloud/ours {Timing.Ratio(smallPeer, smallOurs, 1)}; re-run (nothing changed) {Timing.Ms(smallRerun, 0)}; again to a new prefix (warm) {Timing.Ms(smallWarm, 0)} -> gcloud/ours {Timing.Ratio(smallPeer, smallWarm, 1)}");
        Console.WriteLine($"(b) 1 file x {bigMiB} MiB (plan + stage):  ours {Timing.Ms(bigOurs, 0)}, gcloud storage cp {Timing.Ms(bigPeer, 0)} -> gcloud/ours {Timing.Ratio(bigPeer, bigOurs, 1)}; re-run (nothing changed) {Timing.Ms(bigRerun, 0)}");
        Console.WriteLine($"peak working set while staging the big file: {Mib(peak - idle)} MiB above idle ({Mib(idle)} MiB idle)");
    }

    private static StagingPlan Plan(TempDirectory temp, string yamlPath) =>
        StagingPlanner.Plan(TaskParser.ParseFile(yamlPath, temp.Path), "gs://bench/ours-" + Path.GetFileNameWithoutExtension(yamlPath), CancellationToken.None);

    private static void WriteRandom(string path, long bytes)
    {
        var buffer = new byte[1 << 20];
        using var file = File.Create(path);
        for (long written = 0; written < bytes; written += buffer.Length)
        {
            Random.Shared.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, bytes - written));
        }
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture);
}
