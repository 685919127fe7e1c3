using System.Diagnostics;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SkyPilot.Core;
using SkyPilot.Core.Identity;
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
        var worker = WorkerPath();
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

    public static TheoryData<string> Builds => new() { "net8.0" };

    [Fact]
    public void The_netstandard2_0_build_refuses_to_write_on_Unix_where_it_cannot_create_a_file_owner_only()
    {
        // Only Windows PowerShell 5.1 loads that build (the module refuses PowerShell 7.0–7.3); on Unix it must not
        // write a credential with the umask's mode.
        var writer = Writer.For("netstandard2.0");
        using var temp = new TempDirectory();
        var path = temp.WriteFile(Path.Combine("nebius", "NEBIUS_IAM_TOKEN.txt"), "v0.old\n");

        var write = () => writer.WriteText(path, "v0.new\n");

        write.Should().Throw<PlatformNotSupportedException>();
        File.ReadAllText(path).Should().Be("v0.old\n");
        Directory.GetFileSystemEntries(temp.Combine("nebius")).Should().ContainSingle("no temp file is left");
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void Replacing_a_file_that_others_could_read_leaves_it_owner_only(string build)
    {
        var writer = Writer.For(build);
        using var temp = new TempDirectory();
        var path = temp.WriteFile(Path.Combine("nebius", "NEBIUS_IAM_TOKEN.txt"), "v0.old\n");
        File.SetUnixFileMode(path, OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        writer.WriteText(path, "v0.new\n");

        File.ReadAllText(path).Should().Be("v0.new\n");
        File.GetUnixFileMode(path).Should().Be(OwnerReadWrite);
        Directory.GetFileSystemEntries(temp.Combine("nebius")).Should().ContainSingle("no temp file or private directory is left");
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void No_temp_file_is_ever_visible_to_group_or_others_while_being_written(string build)
    {
        // The directory lets anyone in (as ~/.nebius made by another tool may), so only the temp's own mode protects it.
        // A poller lists it as fast as it can while large and small files are written; everything it sees must be owner-only.
        var writer = Writer.For(build);
        using var temp = new TempDirectory();
        var directory = Directory.CreateDirectory(temp.Combine("open")).FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101); // 0755
        var path = Path.Combine(directory, "token.txt");
        var large = "v0." + new string('x', 4 * 1024 * 1024) + "\n";
        var seen = 0;
        var exposed = new List<string>();
        using var done = new CancellationTokenSource();

        var poller = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
                {
                    UnixFileMode mode;
                    try
                    {
                        mode = File.GetUnixFileMode(entry);
                    }
                    catch (IOException)
                    {
                        continue; // renamed or removed meanwhile
                    }

                    if (entry.EndsWith(".tmp", StringComparison.Ordinal))
                    {
                        seen++;
                    }

                    if ((mode & GroupOrOther) != 0)
                    {
                        exposed.Add(Path.GetFileName(entry) + " " + mode);
                    }
                }
            }
        });

        // Large files keep temps in flight for long; many small ones give the poller many creations to catch.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        for (var n = 0; n < 20 || DateTime.UtcNow < deadline; n++)
        {
            writer.WriteText(path, n % 16 == 0 ? large : "v0.small-" + n + "\n");
        }

        done.Cancel();
        poller.Wait();
        exposed.Should().BeEmpty();
        seen.Should().BeGreaterThan(0, "the poller must have caught temp files (or private directories) in flight, or it proved nothing");
        File.GetUnixFileMode(path).Should().Be(OwnerReadWrite);
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void A_failing_write_leaves_the_old_file_and_no_temp_behind(string build)
    {
        var writer = Writer.For(build);
        using var temp = new TempDirectory();
        var path = temp.Combine("state", "cache.json");
        writer.WriteText(path, "v0.old\n");

        var write = () => writer.WriteStream(path, stream =>
        {
            stream.Write(new byte[100_000]);
            throw new InvalidDataException("serializer failed");
        });

        write.Should().Throw<Exception>().Which.GetBaseException().Should().BeOfType<InvalidDataException>();
        File.ReadAllText(path).Should().Be("v0.old\n");
        Directory.GetFileSystemEntries(temp.Combine("state")).Should().ContainSingle();
    }

    [Fact]
    public async Task Processes_that_need_the_fingerprint_key_at_the_same_moment_all_get_the_same_32_byte_key()
    {
        const string text = "v0.token-to-fingerprint";
        var worker = WorkerPath();
        for (var round = 0; round < 3; round++)
        {
            using var temp = new TempDirectory();
            var stateDirectory = temp.Combine("state");
            var processes = new List<Process>();
            try
            {
                for (var i = 0; i < 8; i++)
                {
                    var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
                    info.ArgumentList.Add(worker);
                    info.ArgumentList.Add("fingerprint-key");
                    info.ArgumentList.Add(text);
                    info.Environment["SKYPILOT_PS_CACHE_DIR"] = stateDirectory;
                    processes.Add(Process.Start(info)!);
                }

                foreach (var process in processes)
                {
                    (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))).Should().Be("ready");
                }

                foreach (var process in processes)
                {
                    await process.StandardInput.WriteLineAsync();
                    await process.StandardInput.FlushAsync();
                }

                var digests = new List<string?>();
                foreach (var process in processes)
                {
                    digests.Add(await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
                    process.ExitCode.Should().Be(0);
                }

                var keyFile = Path.Combine(stateDirectory, "powershell-fingerprint.key");
                var key = File.ReadAllBytes(keyFile);
                key.Should().HaveCount(32);
                File.GetUnixFileMode(keyFile).Should().Be(OwnerReadWrite);
                var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text)));
                digests.Should().AllBe(expected, "round {0}: every process must use the key on disk", round);
                Directory.GetFileSystemEntries(stateDirectory).Should().ContainSingle("the losers' temp files are removed");
            }
            finally
            {
                foreach (var process in processes)
                {
                    if (!process.HasExited)
                    {
                        process.Kill();
                    }

                    process.Dispose();
                }
            }
        }
    }

    [Fact]
    public void A_fingerprint_key_being_written_in_place_is_waited_for_and_a_short_one_for_good_is_replaced()
    {
        using var temp = new TempDirectory();
        var env = new SkyEnvironment(new Dictionary<string, string> { ["SKYPILOT_PS_CACHE_DIR"] = temp.Combine("slow") }, temp.Path, isWindows: false);
        var keyFile = temp.WriteFile(Path.Combine("slow", "powershell-fingerprint.key"), string.Empty);
        var full = RandomNumberGenerator.GetBytes(32);
        // A thread of its own, not the thread pool: at the start of a test run the pool ran this writer only after
        // ~580 ms (it adds threads slowly), later than the 500 ms the key is waited for.
        var writerOfOldVersion = new Thread(() =>
        {
            Thread.Sleep(150);
            File.WriteAllBytes(keyFile, full);
        });
        writerOfOldVersion.Start();

        var digest = FingerprintKey.KeyedDigest(env, "text", 64);
        writerOfOldVersion.Join();

        digest.Should().Be(Convert.ToHexStringLower(HMACSHA256.HashData(full, Encoding.UTF8.GetBytes("text"))));

        var damagedEnv = env.With(("SKYPILOT_PS_CACHE_DIR", temp.Combine("damaged")));
        var damaged = temp.WriteFile(Path.Combine("damaged", "powershell-fingerprint.key"), "abc");
        var replaced = FingerprintKey.KeyedDigest(damagedEnv, "text", 64);
        var key = File.ReadAllBytes(damaged);
        key.Should().HaveCount(32);
        replaced.Should().Be(Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("text"))));
    }

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static string WorkerPath() =>
        Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "tests", "SkyPilot.CacheWorker", "bin"), "SkyPilot.CacheWorker.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();

    /// <summary>
    /// OwnerOnlyFile as built for net8.0 (referenced here) or for netstandard2.0 (what Windows PowerShell 5.1 loads),
    /// the latter loaded from its build output into a context of its own so its Unix behaviour can be tested.
    /// </summary>
    private sealed record Writer(Action<string, string> WriteText, Action<string, Action<Stream>> WriteStream)
    {
        private static readonly Lazy<Writer> Legacy = new(LoadLegacy);

        public static Writer For(string build) =>
            build == "net8.0" ? new Writer(OwnerOnlyFile.WriteAtomically, OwnerOnlyFile.WriteAtomically) : Legacy.Value;

        private static Writer LoadLegacy()
        {
            // bin/<configuration>/net10.0/SkyPilot.Tests.dll: the same configuration's netstandard2.0 Core (built for SkyPilot.PowerShell).
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var dll = Path.Combine(RepositoryPaths.Root, "src", "SkyPilot.Core", "bin", configuration, "netstandard2.0", "SkyPilot.Core.dll");
            File.Exists(dll).Should().BeTrue("the netstandard2.0 build of SkyPilot.Core is needed: " + dll);
            var assembly = new AssemblyLoadContext("SkyPilot.Core netstandard2.0").LoadFromAssemblyPath(dll);
            var type = assembly.GetType("SkyPilot.Core.Internal.OwnerOnlyFile", throwOnError: true)!;
            return new Writer(
                type.GetMethod("WriteAtomically", [typeof(string), typeof(string)])!.CreateDelegate<Action<string, string>>(),
                type.GetMethod("WriteAtomically", [typeof(string), typeof(Action<Stream>)])!.CreateDelegate<Action<string, Action<Stream>>>());
        }
    }
}
