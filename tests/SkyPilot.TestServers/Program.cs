// Starts the loopback servers the Pester suite (and anyone trying the module by hand) can use,
// prints one JSON line describing them and the environment variables to set, and runs until stdin closes.
using System.Text.Json.Nodes;
using SkyPilot.TestKit;

var root = new TempDirectory("skyps-servers");
await using var google = await FakeGoogleServer.StartAsync();

string[] storage = ["serviceusage.services.enable", "serviceusage.services.list", "storage.buckets.create", "storage.buckets.delete"];
var everything = KnownPermissions.All;

var full = google.CreateServiceAccount("full@demo-project.iam.gserviceaccount.com", "demo-project");
google.Grant(full.Email, "demo-project", everything);
var storageOnly = google.CreateServiceAccount("storage-only@demo-project.iam.gserviceaccount.com", "demo-project");
google.Grant(storageOnly.Email, "demo-project", storage);

var description = new JsonObject
{
    ["google"] = google.BaseUrl,
    ["home"] = root.Path,
    ["keys"] = new JsonObject
    {
        ["full"] = full.WriteTo(root.Combine("keys", "full.json")),
        ["storageOnly"] = storageOnly.WriteTo(root.Combine("keys", "storage-only.json")),
    },
    ["env"] = new JsonObject
    {
        ["HOME"] = root.Combine("home"),
        ["CLOUDSDK_CONFIG"] = root.Combine("gcloud"),
        ["CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER"] = google.BaseUrl + "/",
        ["CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE"] = google.BaseUrl + "/",
        ["CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE"] = google.BaseUrl + "/",
        ["GOOGLE_APPLICATION_CREDENTIALS"] = root.Combine("keys", "full.json"),
    },
};
Directory.CreateDirectory(root.Combine("home"));
Directory.CreateDirectory(root.Combine("gcloud"));
Console.WriteLine(description.ToJsonString());
Console.Out.Flush();

// Run until the parent closes our stdin (or Ctrl+C).
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
_ = Task.Run(() => { while (Console.In.Read() >= 0) { } stop.TrySetResult(); });
await stop.Task;
root.Dispose();
