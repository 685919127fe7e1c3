using System.Diagnostics;
using SkyPilot.TestKit;

namespace SkyPilot.Benchmarks;

/// <summary>
/// What a PowerShell user feels, through the real pwsh (the repository's local tool, started as <c>dotnet pwsh.dll</c>
/// so the muxer's tool lookup is not in the floor): import time over a bare pwsh, the first warm-cache Test-SkyCloud in
/// a new process over the import alone, and a warm call inside a session. Every further argument is another staged
/// module folder measured in the same interleaved runs (for example the same module with ReadyToRun dependencies), so
/// machine noise hits every side of each ratio alike.
/// </summary>
internal static class EngineBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0]) : 10;
        var modules = args.Length > 1 ? args.Skip(1).Select(Path.GetFullPath).ToArray() : [RepositoryPaths.ModuleFolder];
        await using var world = await JobWorld.StartAsync();
        var env = new Dictionary<string, string?>(world.Gcp.Variables.ToDictionary(p => p.Key, p => (string?)p.Value));
        var pwsh = await PwshDllAsync(env);

        string Import(string folder) => $"Import-Module '{Path.Combine(folder, "SkyPilot.PowerShell.psd1")}'";
        string Check(string folder) => Import(folder) + "; $null = Test-SkyCloud -Cloud gcp";
        await TimeAsync(pwsh, Check(modules[0]), env); // fills the cache: every later check is a hit

        var floor = new List<double>();
        var imported = modules.Select(_ => new List<double>()).ToArray();
        var firstCall = modules.Select(_ => new List<double>()).ToArray();
        for (var i = 0; i < runs + 1; i++)
        {
            var f = await TimeAsync(pwsh, "exit", env);
            var m = new double[modules.Length];
            var c = new double[modules.Length];
            for (var v = 0; v < modules.Length; v++)
            {
                m[v] = await TimeAsync(pwsh, Import(modules[v]), env);
                c[v] = await TimeAsync(pwsh, Check(modules[v]), env);
            }

            if (i == 0)
            {
                continue; // warm-up: disk cache, JIT of the dotnet host
            }

            floor.Add(f);
            for (var v = 0; v < modules.Length; v++)
            {
                imported[v].Add(m[v]);
                firstCall[v].Add(c[v]);
            }
        }

        Console.WriteLine($"runs: {runs} (medians, ms)");
        Console.WriteLine($"pwsh -Command exit (floor)                    {Median(floor),8:F0}");
        for (var v = 0; v < modules.Length; v++)
        {
            var folder = modules[v];
            var warm = await RunAsync(pwsh, Check(folder) + "; $n = 1000; $t = Measure-Command { for ($i = 0; $i -lt $n; $i++) { $null = Test-SkyCloud -Cloud gcp } }; " +
                "$b = Measure-Command { for ($i = 0; $i -lt $n; $i++) { $null = Get-Date } }; '{0:F3} {1:F3}' -f ($t.TotalMilliseconds / $n), ($b.TotalMilliseconds / $n)", env);
            var parts = warm.Trim().Split(' ');
            Console.WriteLine($"module: {Path.GetRelativePath(Environment.CurrentDirectory, folder)}");
            Console.WriteLine($"  pwsh -Command Import-Module                 {Median(imported[v]),8:F0}   import over floor: {Median(imported[v].Zip(floor, (a, b) => a - b)),6:F0} ms");
            Console.WriteLine($"  pwsh -Command Import-Module; Test-SkyCloud  {Median(firstCall[v]),8:F0}   first call over import: {Median(firstCall[v].Zip(imported[v], (a, b) => a - b)),6:F0} ms");
            Console.WriteLine($"  warm Test-SkyCloud -Cloud gcp in a session  {parts[0],8} ms per call (Get-Date in the same loop: {parts[1]} ms)");
            Console.Write(await RunAsync(pwsh, Breakdown(Path.Combine(folder, "SkyPilot.PowerShell.psd1")), env));
        }
    }

    /// <summary>
    /// Where the import and the first call spend their time, measured inside one process: wall time, methods the JIT
    /// compiled and its time (System.Runtime.JitInfo), and the assemblies each step loaded.
    /// </summary>
    private static string Breakdown(string manifest) =>
        "function Snap { [pscustomobject]@{ T = [Diagnostics.Stopwatch]::GetTimestamp(); M = [Runtime.JitInfo]::GetCompiledMethodCount($false); " +
        "J = [Runtime.JitInfo]::GetCompilationTime($false).TotalMilliseconds; A = @([Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object Assemblies | ForEach-Object { $_.GetName().Name }) } }; " +
        "function Step($a, $b, $what) { '  {0,-12} {1,6:F0} ms, JIT {2,4} methods in {3,4:F0} ms, loaded: {4}' -f $what, [Diagnostics.Stopwatch]::GetElapsedTime($a.T, $b.T).TotalMilliseconds, " +
        "($b.M - $a.M), ($b.J - $a.J), ((Compare-Object $a.A $b.A | Where-Object SideIndicator -eq '=>' | ForEach-Object InputObject | Sort-Object -Unique) -join ', ') }; " +
        $"$s0 = Snap; Import-Module '{manifest}'; $s1 = Snap; $null = Test-SkyCloud -Cloud gcp; $s2 = Snap; $null = Test-SkyCloud -Cloud gcp; $s3 = Snap; " +
        "Step $s0 $s1 'import'; Step $s1 $s2 'first call'; Step $s2 $s3 'second call'";

    /// <summary>The local tool's pwsh.dll, found once through <c>dotnet pwsh</c>.</summary>
    private static async Task<string> PwshDllAsync(IReadOnlyDictionary<string, string?> env)
    {
        var result = await Pwsh.RunAsync(["-Command", "Join-Path $PSHOME pwsh.dll"], env);
        return result.StandardOutput.Trim();
    }

    private static async Task<double> TimeAsync(string pwsh, string command, IReadOnlyDictionary<string, string?> env)
    {
        var watch = Stopwatch.StartNew();
        await RunAsync(pwsh, command, env);
        watch.Stop();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static async Task<string> RunAsync(string pwsh, string command, IReadOnlyDictionary<string, string?> env)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { pwsh, "-NoProfile", "-NonInteractive", "-Command", command })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in env)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pwsh -Command {command}: exit {process.ExitCode}\n{await stderr}");
        }

        return await stdout;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
