using System.Diagnostics;
using System.Text.Json.Nodes;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Cache;

public sealed class MultiProcessCacheTests
{
    [Fact]
    public async Task Eight_processes_writing_and_reading_one_file_lose_nothing_and_corrupt_nothing()
    {
        const int processes = 8;
        const int writes = 200;
        using var temp = new TempDirectory();
        var cachePath = temp.Combine("sky", "powershell-check-cache.json");
        var worker = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "tests", "SkyPilot.CacheWorker", "bin"), "SkyPilot.CacheWorker.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();

        var runs = Enumerable.Range(0, processes).Select(async i =>
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { worker, cachePath, i.ToString(), writes.ToString() })
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, Out: await stdout, Err: await stderr);
        }).ToList();
        var outcomes = await Task.WhenAll(runs);

        outcomes.Should().OnlyContain(o => o.ExitCode == 0 && o.Out.Trim() == writes.ToString(), string.Join("\n", outcomes.Select(o => o.Err)));
        var file = JsonNode.Parse(File.ReadAllText(cachePath))!;
        var keys = file["entries"]!.AsArray().Select(e => (string)e!["cloud"]! + "|" + (string)e["capability"]! + "|" + (string)e["fingerprint"]!).ToList();
        keys.Should().OnlyHaveUniqueItems();
        var expected = Enumerable.Range(0, processes).SelectMany(w => Enumerable.Range(0, writes).Select(i =>
            (i % 3 == 0 ? "nebius" : "gcp") + "|" + (i % 2 == 0 ? "Compute" : "Storage") + "|w" + w + "-" + i));
        keys.Should().BeEquivalentTo(expected);
        Directory.GetFiles(Path.GetDirectoryName(cachePath)!, "*.tmp").Should().BeEmpty();
    }
}
