// Starts the loopback servers the Pester suite (and anyone trying the module by hand) can use,
// prints one JSON line describing them and the environment variables to set, and runs until stdin closes.
using System.Text.Json.Nodes;
using SkyPilot.TestKit;

var root = new TempDirectory("skyps-servers");
await using var google = await FakeGoogleServer.StartAsync();
await using var nebius = await NebiusGrpcServer.StartAsync();
await using var skyApi = await FakeSkyPilotApiServer.StartAsync();
const string tenant = "tenant-e00demo000001";
await nebius.AddTenantAsync(tenant, ("project-e00demo0001", "default"));
var nebiusToken = "v0.demo-" + Guid.NewGuid().ToString("N");
await nebius.AddTokenAsync(nebiusToken, tenant, "useraccount-e00demo", "demo@example.com");
var expiredToken = "v0.expired-" + Guid.NewGuid().ToString("N");
await nebius.AddTokenAsync(expiredToken, tenant, "useraccount-e00demo", "demo@example.com", expired: true);

string[] storage = ["serviceusage.services.enable", "serviceusage.services.list", "storage.buckets.create", "storage.buckets.delete"];
var everything = KnownPermissions.All;

var full = google.CreateServiceAccount("full@demo-project.iam.gserviceaccount.com", "demo-project");
google.Grant(full.Email, "demo-project", everything);
var storageOnly = google.CreateServiceAccount("storage-only@demo-project.iam.gserviceaccount.com", "demo-project");
google.Grant(storageOnly.Email, "demo-project", storage);
string[] objects = ["storage.objects.create", "storage.objects.get", "storage.objects.list", "storage.objects.delete"];
google.Grant(full.Email, "demo-project", objects);
google.CreateBucket("demo-jobs", "demo-project");

// Test-only tokens for the loopback Nebius: they open nothing anywhere else.
File.WriteAllText(root.Combine("nebius-valid.txt"), nebiusToken);
File.WriteAllText(root.Combine("nebius-expired.txt"), expiredToken);

var description = new JsonObject
{
    ["google"] = google.BaseUrl,
    ["skypilotApi"] = skyApi.BaseUrl,
    ["nebius"] = new JsonObject
    {
        ["endpoint"] = nebius.Endpoint,
        ["tenant"] = tenant,
        ["validTokenFile"] = root.Combine("nebius-valid.txt"),
        ["expiredTokenFile"] = root.Combine("nebius-expired.txt"),
    },
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
        ["NEBIUS_ENDPOINT"] = nebius.Endpoint,
        ["SKYPILOT_PS_CACHE_DIR"] = root.Combine("cache"),
        ["SKYPILOT_API_SERVER_ENDPOINT"] = skyApi.BaseUrl,
        // The loopback fake stands for SkyPilot's local server, which acts with the user's own credentials.
        ["SKYPILOT_PS_API_SERVER_LOCATION"] = "local",
        ["SKYPILOT_PS_JOB_POLL_SECONDS"] = "0.2",
    },
};
Directory.CreateDirectory(root.Combine("home", ".sky"));
File.WriteAllText(root.Combine("home", ".sky", "config.yaml"), "jobs:\n  bucket: gs://demo-jobs/pester\n");
Directory.CreateDirectory(root.Combine("gcloud"));
Console.WriteLine(description.ToJsonString());
Console.Out.Flush();

// Run until the parent closes our stdin (or Ctrl+C). Each stdin line is a command for the fake API server, answered "ok":
//   log <job id> <text>                 appends a line to the job's log
//   next-job-fails <STATUS> <reason>    the next launched job runs, then ends in STATUS with that failure reason
//   next-job-runs                       the next launched job stays RUNNING
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
_ = Task.Run(() =>
{
    while (Console.In.ReadLine() is { } line)
    {
        var parts = line.Split(' ', 3);
        switch (parts[0])
        {
            case "log" when parts.Length == 3:
                skyApi.AppendJobLog(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2].Replace("\\e", "\u001b"));
                break;
            case "next-job-fails" when parts.Length >= 2:
                skyApi.ScriptNextJob(FakeSkyJobStatus.Pending, FakeSkyJobStatus.Running, FakeSkyJobStep.Fail(parts[1], parts.Length == 3 ? parts[2] : "failed"));
                break;
            case "next-job-runs":
                skyApi.ScriptNextJob(FakeSkyJobStatus.Running);
                break;
        }

        Console.WriteLine("ok");
        Console.Out.Flush();
    }

    stop.TrySetResult();
});
await stop.Task;
root.Dispose();
