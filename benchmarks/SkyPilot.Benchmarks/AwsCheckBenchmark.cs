using System.Diagnostics;
using System.Globalization;
using SkyPilot.Core;
using SkyPilot.Core.Aws;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.TestKit;

namespace SkyPilot.Benchmarks;

/// <summary>
/// A cold AWS check (compute and storage) against moto with IAM enforced, with its request count taken by a recording
/// proxy, beside the peer <c>aws sts get-caller-identity</c> (one request) against the same server.
/// </summary>
public static class AwsCheckBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        await using var moto = await MotoWorld.StartAsync();
        await using var proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        using var world = new AwsWorld(proxy.Endpoint);
        world.AddKeys("default", moto.Alice);
        world.Set("AWS_DEFAULT_REGION", "us-east-1");
        var env = new SkyEnvironment(world.Variables, world.Home, isWindows: false);
        var checker = new AwsCloudChecker(SharedHttpClient.Instance, NullSkyLog.Instance);

        var first = Stopwatch.StartNew();
        var results = await checker.Resolve(env).CheckAsync([Capability.Compute, Capability.Storage], CancellationToken.None);
        first.Stop();
        if (results.Any(r => !r.Allowed))
        {
            throw new InvalidOperationException("benchmark check failed: " + string.Join("; ", results.Select(r => r.Reason)));
        }

        var requests = proxy.Requests.Count;
        var cold = await Timing.MedianAsync(iterations, async () => await checker.Resolve(env).CheckAsync([Capability.Compute, Capability.Storage], CancellationToken.None), warmUp: false);
        var peer = await Timing.MedianAsync(Math.Max(3, iterations / 3), async () => await world.Cli.RunAsync("sts", "get-caller-identity"), warmUp: false);

        Console.WriteLine($"iterations: {iterations}; medians; moto with IAM enforced on loopback");
        Console.WriteLine($"first AWS check in the process (JIT included): {Timing.Ms(first.Elapsed)}  ({requests} requests)");
        Console.WriteLine($"AWS check, no cache (compute + storage):       {Timing.Ms(cold)}");
        Console.WriteLine($"aws sts get-caller-identity (one request):     {Timing.Ms(peer)}");
    }
}
