
namespace SkyPilot.TestKit;

/// <summary>
/// A GCP world (loopback Google with storage, real gcloud configurations) plus a loopback SkyPilot API server and a
/// ~/.sky/config.yaml naming the job bucket: everything Submit-SkyJob talks to.
/// </summary>
public sealed class JobWorld : IAsyncDisposable
{
    public const string Bucket = "jobs-bucket";
    public static readonly string[] ObjectPermissions = ["storage.objects.create", "storage.objects.get", "storage.objects.list", "storage.objects.delete"];
    public static readonly string[] ComputeMissingOnB = ["compute.firewalls.create", "compute.instances.create"];

    private JobWorld(GcpWorld gcp, FakeSkyPilotApiServer api)
    {
        Gcp = gcp;
        Api = api;
    }

    public GcpWorld Gcp { get; }

    public FakeSkyPilotApiServer Api { get; }

    public string Email { get; private set; } = string.Empty;

    public string TaskDirectory => Gcp.Temp.Combine("project");

    public static async Task<JobWorld> StartAsync()
    {
        var world = new JobWorld(await GcpWorld.StartAsync(), await FakeSkyPilotApiServer.StartAsync());
        var key = world.Gcp.ServiceAccount("deployer", "project-a", GcpWorld.AllPermissions());
        world.Email = key.Email;
        world.Gcp.Server.Grant(key.Email, "project-b", GcpWorld.AllPermissions().Except(ComputeMissingOnB));
        world.Gcp.Server.CreateBucket(Bucket, "project-a");
        world.Gcp.Server.GrantBucket(key.Email, Bucket, ObjectPermissions);
        world.Gcp.Server.Grant(key.Email, "project-a", ObjectPermissions); // so buckets it creates are writable
        world.Gcp.UseKey("deployer");
        world.Gcp.Set("GOOGLE_CLOUD_PROJECT", "project-a");
        world.Gcp.Set("SKYPILOT_PS_CACHE_DIR", world.Gcp.Temp.Combine("cache"));
        world.Gcp.Set("SKYPILOT_API_SERVER_ENDPOINT", world.Api.BaseUrl);
        world.Gcp.Set("SKYPILOT_PS_API_SERVER_LOCATION", "local"); // the fake stands for SkyPilot's local server: it acts with the user's identity
        world.Gcp.Set("SKYPILOT_PS_JOB_POLL_SECONDS", "0.05");
        world.Gcp.Temp.WriteFile(Path.Combine("home", ".sky", "config.yaml"), "jobs:\n  bucket: gs://" + Bucket + "/team\n");
        return world;
    }

    /// <summary>Writes a task with a workdir of <paramref name="files"/> small files and a local file mount.</summary>
    public string WriteTask(int files = 3, string infra = "gcp", string? extra = null)
    {
        for (var i = 0; i < files; i++)
        {
            Gcp.Temp.WriteFile(Path.Combine("project", "src", "file" + i + ".py"), "print(" + i + ")\n");
        }

        Gcp.Temp.WriteFile(Path.Combine("project", "data", "table.csv"), "a,b\n1,2\n");
        return Gcp.Temp.WriteFile(Path.Combine("project", "task.yaml"), "name: train\nworkdir: ./src\nresources:\n  infra: " + infra + "\nfile_mounts:\n  /data: ./data\nrun: python file0.py\n" + (extra ?? string.Empty));
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Gcp.DisposeAsync();
    }
}
