using System.Diagnostics;
using System.Text.RegularExpressions;
using SkyPilot.Core.Internal;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Nebius;

public sealed class AtomicCredentialWriteTests
{
    [Fact]
    public async Task A_writer_killed_at_random_moments_never_leaves_an_empty_or_partial_file()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("nebius", "NEBIUS_IAM_TOKEN.txt");
        OwnerOnlyFile.WriteAtomically(path, "v0.initial-end\n");
        var worker = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "tests", "SkyPilot.CacheWorker", "bin"), "SkyPilot.CacheWorker.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
        var complete = new Regex(@"^v0\.(initial|generation-\d+-[a-z]{262144})-end\n$", RegexOptions.Singleline);
        var random = new Random(42);

        for (var round = 0; round < 8; round++)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
            info.ArgumentList.Add(worker);
            info.ArgumentList.Add("write-file");
            info.ArgumentList.Add(path);
            using var process = Process.Start(info)!;
            (await process.StandardOutput.ReadLineAsync()).Should().Be("ready");
            await Task.Delay(random.Next(5, 120));
            process.Kill();
            await process.WaitForExitAsync();

            var content = await File.ReadAllTextAsync(path);
            complete.IsMatch(content).Should().BeTrue("round " + round + " left " + content.Length + " characters");
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public void Written_files_are_owner_only_and_their_directory_too()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("fresh", "secret.txt");

        OwnerOnlyFile.WriteAtomically(path, "v0.x\n");
        OwnerOnlyFile.WriteAtomically(path, "v0.y\n");

        File.ReadAllText(path).Should().Be("v0.y\n");
        File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(temp.Combine("fresh")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.GetFiles(temp.Combine("fresh")).Should().ContainSingle();
    }
}
