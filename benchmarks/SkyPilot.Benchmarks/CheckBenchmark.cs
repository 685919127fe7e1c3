using System.Globalization;
using SkyPilot.Core;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.TestKit;

namespace SkyPilot.Benchmarks;

/// <summary>
/// A full GCP check (compute + storage) against the loopback Google server with latency injected on every request,
/// compared with one round trip and with gcloud's <c>projects get-iam-policy</c> against the same server.
/// </summary>
public static class CheckBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var latency = TimeSpan.FromMilliseconds(args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 100);
        var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        using var temp = new TempDirectory("skyps-bench");
        await using var server = await FakeGoogleServer.StartAsync();
        var key = server.CreateServiceAccount("bench@proj.iam.gserviceaccount.com", "proj");
        server.Grant(key.Email, "proj", KnownPermissions.All);
        server.Latency = latency;

        var variables = new Dictionary<string, string>
        {
            ["HOME"] = temp.Combine("home"),
            ["CLOUDSDK_CONFIG"] = temp.Combine("gcloud"),
            ["CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER"] = server.BaseUrl + "/",
            ["CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE"] = server.BaseUrl + "/",
        };
        Directory.CreateDirectory(variables["HOME"]);
        Directory.CreateDirectory(variables["CLOUDSDK_CONFIG"]);
        var checker = new GcpCloudChecker(SharedHttpClient.Instance, NullSkyLog.Instance);

        // One round trip: the floor for any check that asks the server anything.
        var roundTrip = await Timing.MedianAsync(iterations, async () =>
        {
            using var response = await SharedHttpClient.Instance.GetAsync(server.BaseUrl + "/compute/v1/projects/proj");
        });

        // Cold: a key file the process has not seen, so the token is fetched first.
        var coldRequests = new List<int>();
        var cold = await Timing.MedianAsync(iterations, async () =>
        {
            var path = key.WriteTo(temp.Combine("keys", Guid.NewGuid().ToString("N") + ".json"));
            var before = server.Requests.Count;
            var results = await checker.Resolve(Env(variables, path)).CheckAsync([Capability.Compute, Capability.Storage], CancellationToken.None);
            coldRequests.Add(server.Requests.Count - before);
            Ensure(results);
        });

        // Warm: the same unchanged key file, so its unexpired token is reused.
        var warmPath = key.WriteTo(temp.Combine("warm.json"));
        await checker.Resolve(Env(variables, warmPath)).CheckAsync([Capability.Compute], CancellationToken.None);
        var warmRequests = new List<int>();
        var warm = await Timing.MedianAsync(iterations, async () =>
        {
            var before = server.Requests.Count;
            Ensure(await checker.Resolve(Env(variables, warmPath)).CheckAsync([Capability.Compute, Capability.Storage], CancellationToken.None));
            warmRequests.Add(server.Requests.Count - before);
        });

        // Peer: gcloud, as SkyPilot's GCP check shells out to it, against the same server.
        var gcloud = new Gcloud(temp.Combine("gcloud"));
        var tokenFile = temp.WriteFile("gcloud-token", server.IssueStaticToken(key.Email));
        gcloud.Environment["CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"] = tokenFile;
        gcloud.Environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER"] = server.BaseUrl + "/";
        var peerIterations = Math.Max(3, iterations / 2);
        var peer = await Timing.MedianAsync(peerIterations, async () => await gcloud.RunAsync("projects", "get-iam-policy", "proj", "--format=json"));

        Console.WriteLine($"latency injected per request: {latency.TotalMilliseconds} ms; iterations: {iterations} (gcloud: {peerIterations}); medians");
        Console.WriteLine($"one round trip:                      {Timing.Ms(roundTrip)}");
        Console.WriteLine($"full check, cold (token fetch):      {Timing.Ms(cold)}  requests per check: {coldRequests.Max()}  beyond token fetch: {Timing.Ms(cold - roundTrip)} = {Timing.Ratio(cold - roundTrip, roundTrip)} round trips");
        Console.WriteLine($"full check, warm (token reused):     {Timing.Ms(warm)}  requests per check: {warmRequests.Max()}  = {Timing.Ratio(warm, roundTrip)} round trips");
        Console.WriteLine($"gcloud projects get-iam-policy:      {Timing.Ms(peer)}  (one request)");
        Console.WriteLine($"gcloud / our cold full check:        {Timing.Ratio(peer, cold)}");
    }

    private static SkyEnvironment Env(Dictionary<string, string> variables, string keyPath)
    {
        var copy = new Dictionary<string, string>(variables) { ["GOOGLE_APPLICATION_CREDENTIALS"] = keyPath };
        return new SkyEnvironment(copy, variables["HOME"], isWindows: false);
    }

    private static void Ensure(IReadOnlyList<CapabilityResult> results)
    {
        if (results.Any(r => !r.Allowed))
        {
            throw new InvalidOperationException("benchmark check failed: " + string.Join("; ", results.Select(r => r.Reason)));
        }
    }
}
