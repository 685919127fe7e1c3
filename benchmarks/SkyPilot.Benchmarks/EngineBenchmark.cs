using System.Diagnostics;
using SkyPilot.TestKit;

namespace SkyPilot.Benchmarks;

/// <summary>
/// What a PowerShell user feels, through the real pwsh (the repository's local tool): import time over a bare pwsh, the
/// first warm-cache Test-SkyCloud in a new process over the import alone, and a warm call inside a session. Runs are
/// interleaved (floor, then measured) so machine noise hits both sides of each ratio alike.
/// </summary>
internal static class EngineBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0]) : 10;
        await using var world = await JobWorld.StartAsync();
        var manifest = Path.Combine(RepositoryPaths.ModuleFolder, "SkyPilot.PowerShell.psd1");
        var env = new Dictionary<string, string?>(world.Gcp.Variables.ToDictionary(p => p.Key, p => (string?)p.Value));

        var import = $"Import-Module '{manifest}'";
        var check = import + "; $null = Test-SkyCloud -Cloud gcp";
        await Pwsh.RunAsync(["-Command", check], env); // fills the cache: every later check is a hit

        var floor = new List<double>();
        var imported = new List<double>();
        var firstCall = new List<double>();
        for (var i = 0; i < runs + 1; i++)
        {
            var f = await TimeAsync("exit", env);
            var m = await TimeAsync(import, env);
            var c = await TimeAsync(check, env);
            if (i == 0)
            {
                continue; // warm-up: disk cache, JIT of the dotnet host
            }

            floor.Add(f);
            imported.Add(m);
            firstCall.Add(c);
        }

        var warm = await Pwsh.RunAsync(["-Command", check + "; $n = 1000; $t = Measure-Command { for ($i = 0; $i -lt $n; $i++) { $null = Test-SkyCloud -Cloud gcp } }; " +
            "$b = Measure-Command { for ($i = 0; $i -lt $n; $i++) { $null = Get-Date } }; '{0:F3} {1:F3}' -f ($t.TotalMilliseconds / $n), ($b.TotalMilliseconds / $n)"], env);
        var parts = warm.StandardOutput.Trim().Split(' ');

        Console.WriteLine($"runs: {runs} (medians, ms)");
        Console.WriteLine($"pwsh -Command exit (floor)                    {Median(floor),8:F0}");
        Console.WriteLine($"pwsh -Command Import-Module                   {Median(imported),8:F0}   import over floor: {Median(imported.Zip(floor, (a, b) => a - b)),6:F0} ms");
        Console.WriteLine($"pwsh -Command Import-Module; Test-SkyCloud    {Median(firstCall),8:F0}   first call over import: {Median(firstCall.Zip(imported, (a, b) => a - b)),6:F0} ms");
        Console.WriteLine($"warm Test-SkyCloud -Cloud gcp in a session    {parts[0],8} ms per call (Get-Date in the same loop: {parts[1]} ms)");
    }

    private static async Task<double> TimeAsync(string command, IReadOnlyDictionary<string, string?> env)
    {
        var watch = Stopwatch.StartNew();
        var result = await Pwsh.RunAsync(["-Command", command], env);
        watch.Stop();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.ToString());
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
