
namespace SkyPilot.TestKit;

/// <summary>
/// A private GCP world for one test: a temp home and gcloud config directory, a loopback Google server,
/// and the environment a user would set to point the module at it.
/// </summary>
public sealed class GcpWorld : TestWorld, IAsyncDisposable
{
    private GcpWorld(FakeGoogleServer server)
        : base("skyps")
    {
        Server = server;
        ConfigDirectory = Temp.Combine("gcloud");
        Directory.CreateDirectory(ConfigDirectory);
        Set("CLOUDSDK_CONFIG", ConfigDirectory);
        Set("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER", server.BaseUrl + "/");
        Set("CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE", server.BaseUrl + "/");
        Set("CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE", server.BaseUrl + "/");
        Set("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "5");
        Set("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "3");
        Gcloud = new Gcloud(ConfigDirectory);
    }

    public FakeGoogleServer Server { get; }

    public string ConfigDirectory { get; }

    public Gcloud Gcloud { get; }

    public static async Task<GcpWorld> StartAsync() => new(await FakeGoogleServer.StartAsync());


    /// <summary>A service account with a key file under the temp dir, granted <paramref name="permissions"/> on <paramref name="project"/>.</summary>
    public ServiceAccountKey ServiceAccount(string name, string project, IEnumerable<string>? permissions = null, bool pkcs1 = false)
    {
        var key = Server.CreateServiceAccount(name + "@" + project + ".iam.gserviceaccount.com", project, pkcs1);
        key.WriteTo(KeyPath(name));
        if (permissions != null)
        {
            Server.Grant(key.Email, project, permissions);
        }

        return key;
    }

    public string KeyPath(string name) => Temp.Combine("keys", name + ".json");

    /// <summary>Points GOOGLE_APPLICATION_CREDENTIALS at the key.</summary>
    public void UseKey(string name) => Set("GOOGLE_APPLICATION_CREDENTIALS", KeyPath(name));

    /// <summary>SkyPilot's whole list, from the test kit's own copy (not the product's).</summary>
    public static IEnumerable<string> AllPermissions() => KnownPermissions.All;

    public static IEnumerable<string> StoragePermissions() =>
        ["serviceusage.services.enable", "serviceusage.services.list", "storage.buckets.create", "storage.buckets.delete"];

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Temp.Dispose();
    }
}
