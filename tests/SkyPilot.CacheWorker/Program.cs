// Worker processes for tests that need separate OS processes.
//   SkyPilot.CacheWorker <cache-file> <worker-id> <writes>   interleaves writes and reads on a shared cache file
//   SkyPilot.CacheWorker write-file <path>                    rewrites a credential file atomically forever (killed by the test)
//   SkyPilot.CacheWorker fingerprint-key <text>               prints "ready", waits for a line on stdin, then prints the
//                                                             keyed digest of <text> under SKYPILOT_PS_CACHE_DIR's key
//   SkyPilot.CacheWorker contention <cache-file> <processes> <tasks> <seconds> [think-ms]
//                                                             the reliability load: <processes> child processes with one
//                                                             writer each plus <tasks> concurrent writers in this process
//                                                             (as runspaces), each storing compute+storage results in a
//                                                             loop with <think-ms> (default 20) between stores as a check's
//                                                             network time; prints store-latency percentiles, lock
//                                                             warnings and entries lost
//   SkyPilot.CacheWorker load <cache-file> <id> <tasks> <seconds> <think-ms>   one participant; prints latencies (ms)
using SkyPilot.Core;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Identity;
using SkyPilot.Core.Internal;

if (args[0] == "write-file")
{
    // Large contents make the window between writing the temp file and renaming it wide enough to be hit by a kill.
    Console.WriteLine("ready");
    for (var n = 0; ; n++)
    {
        var marker = "v0.generation-" + n + "-";
        OwnerOnlyFile.WriteAtomically(args[1], marker + new string((char)('a' + (n % 26)), 256 * 1024) + "-end\n");
    }
}

if (args[0] == "fingerprint-key")
{
    // Warm up (JIT, RNG, file APIs) on a key of its own, so the processes of a test reach the shared key together.
    var env = SkyEnvironment.FromProcess();
    var warmup = Path.Combine(SkyStateDirectory.For(env), "warmup-" + Environment.ProcessId);
    FingerprintKey.KeyedDigest(env.With((SkyStateDirectory.Variable, warmup)), args[1]);
    Directory.Delete(warmup, recursive: true);
    Console.WriteLine("ready");
    Console.ReadLine();
    Console.WriteLine(FingerprintKey.KeyedDigest(env, args[1], 64));
    return 0;
}

if (args[0] == "contention")
{
    return await Contention.RunAsync(args[1], int.Parse(args[2]), int.Parse(args[3]), double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), args.Length > 5 ? int.Parse(args[5]) : 20);
}

if (args[0] == "load")
{
    var (latencies, warnings, lost) = await Contention.LoadAsync(args[1], args[2], int.Parse(args[3]), double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[5]));
    Console.WriteLine("warnings " + warnings);
    Console.WriteLine("lost " + lost);
    foreach (var latency in latencies)
    {
        Console.WriteLine(latency.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
    }

    return 0;
}

var path = args[0];
var worker = args[1];
var writes = int.Parse(args[2]);
var log = new ConsoleWarnings();
var cache = new CheckCache(new CacheSettings { FilePath = path }.With(lockTimeout: TimeSpan.FromMinutes(2)), log);
var now = DateTimeOffset.UtcNow;
var readsWithEntries = 0;
for (var i = 0; i < writes; i++)
{
    var identity = new CloudIdentity
    {
        Cloud = i % 3 == 0 ? "nebius" : "gcp",
        Account = "w" + worker + "@p.iam.gserviceaccount.com",
        Project = "p",
        CredentialType = "service_account",
        Fingerprint = "w" + worker + "-" + i,
    };
    var result = new CapabilityResult
    {
        Cloud = identity.Cloud,
        Capability = i % 2 == 0 ? Capability.Compute : Capability.Storage,
        Status = CheckStatus.Allowed,
        Reason = "ok",
        Identity = identity,
        CheckedAt = now,
    };
    await cache.StoreAsync([result], CancellationToken.None);
    var snapshot = cache.Read();
    if (snapshot.Problem != null)
    {
        Console.Error.WriteLine("read problem: " + snapshot.Problem);
        return 1;
    }

    if (snapshot.Find(identity, result.Capability, DateTimeOffset.UtcNow) is null)
    {
        Console.Error.WriteLine("own entry missing after write " + i);
        return 1;
    }

    readsWithEntries++;
}

Console.WriteLine(readsWithEntries);
return log.Count == 0 ? 0 : 1;

internal sealed class ConsoleWarnings : ISkyLog
{
    public int Count;

    public void Verbose(string message)
    {
    }

    public void Debug(string message)
    {
    }

    public void Warning(string message)
    {
        Count++;
        Console.Error.WriteLine("warning: " + message);
    }
}
