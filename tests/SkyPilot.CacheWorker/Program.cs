// One OS process of the multi-process cache test: interleaves writes and reads on a shared cache file.
// usage: SkyPilot.CacheWorker <cache-file> <worker-id> <writes>
using SkyPilot.Core;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Identity;

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
