using System.Diagnostics;
using System.Globalization;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Identity;

/// <summary>The reliability load on one cache file: processes plus in-process writers (as runspaces), store latencies.</summary>
internal static class Contention
{
    private const int WarmUpSeconds = 5;

    public static async Task<int> RunAsync(string cachePath, int processes, int tasks, double seconds, int thinkMs)
    {
        var self = Environment.ProcessPath!;
        var selfDll = typeof(Contention).Assembly.Location;
        var children = Enumerable.Range(0, processes).Select(async i =>
        {
            var info = self.EndsWith("dotnet", StringComparison.Ordinal) || self.EndsWith("dotnet.exe", StringComparison.Ordinal)
                ? new ProcessStartInfo(self) { ArgumentList = { selfDll } }
                : new ProcessStartInfo(self);
            foreach (var arg in new[] { "load", cachePath, "p" + i, "1", seconds.ToString(CultureInfo.InvariantCulture), thinkMs.ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(arg);
            }

            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var err = await stderr;
            if (err.Length > 0)
            {
                Console.Error.Write(err);
            }

            return (
                Warnings: int.Parse(lines.First(l => l.StartsWith("warnings ")).Substring(9)),
                Lost: int.Parse(lines.First(l => l.StartsWith("lost ")).Substring(5)),
                Latencies: lines.Where(l => !l.StartsWith("warnings ") && !l.StartsWith("lost ")).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToList());
        }).ToList();
        var local = LoadAsync(cachePath, "r", tasks, seconds, thinkMs);
        var results = await Task.WhenAll(children);
        var (localLatencies, localWarnings, localLost) = await local;

        var all = results.SelectMany(r => r.Latencies).Concat(localLatencies).OrderBy(l => l).ToList();
        var warnings = results.Sum(r => r.Warnings) + localWarnings;
        var lost = results.Sum(r => r.Lost) + localLost;
        var tmp = Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(cachePath))!, "*.tmp").Length;
        Console.WriteLine($"load: {processes} processes + {tasks} in-process writers, {seconds:0.#} s measured after {WarmUpSeconds} s of warm-up, {thinkMs} ms between stores");
        Console.WriteLine($"stores: {all.Count}, lock warnings: {warnings}, entries lost: {lost}, temp files left: {tmp}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"store latency ms: p50 {Percentile(all, 50):0.0}, p95 {Percentile(all, 95):0.0}, p99 {Percentile(all, 99):0.0}, max {all.LastOrDefault():0.0}"));
        return warnings == 0 && lost == 0 ? 0 : 1;
    }

    public static async Task<(List<double> Latencies, int Warnings, int Lost)> LoadAsync(string cachePath, string id, int tasks, double seconds, int thinkMs)
    {
        var log = new ConsoleWarnings();
        var settings = new CacheSettings { FilePath = cachePath };
        // The first seconds are not measured: processes are still starting and compiling (a rerun's steady state is measured).
        var measureFrom = DateTime.UtcNow + TimeSpan.FromSeconds(WarmUpSeconds);
        var stop = measureFrom + TimeSpan.FromSeconds(seconds);
        var latencies = new List<double>();
        var lost = 0;
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            // One cache object per writer, as each runspace's cmdlet makes its own.
            var identity = new CloudIdentity
            {
                Cloud = "gcp",
                Account = id + "-" + t + "@p.iam.gserviceaccount.com",
                Project = "p",
                CredentialType = "service_account",
                Fingerprint = id + "-" + t,
            };
            var mine = new List<double>();
            var n = 0;
            while (DateTime.UtcNow < stop)
            {
                await Task.Delay(thinkMs);
                var now = DateTimeOffset.UtcNow;
                var results = new[] { Capability.Compute, Capability.Storage }.Select(c => new CapabilityResult
                {
                    Cloud = "gcp",
                    Capability = c,
                    Status = CheckStatus.Allowed,
                    Reason = "run " + n,
                    Identity = identity,
                    CheckedAt = now,
                }).ToList();
                var watch = Stopwatch.StartNew();
                await new CheckCache(settings, log).StoreAsync(results, CancellationToken.None);
                if (DateTime.UtcNow >= measureFrom)
                {
                    mine.Add(watch.Elapsed.TotalMilliseconds);
                }

                n++;
            }

            var found = new CheckCache(settings, log).Read().Find(identity, Capability.Storage, DateTimeOffset.UtcNow);
            lock (latencies)
            {
                latencies.AddRange(mine);
                if (found is null || found.Reason != "run " + (n - 1))
                {
                    lost++;
                }
            }
        })));
        return (latencies, log.Count, lost);
    }

    private static double Percentile(List<double> sorted, int p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
}
