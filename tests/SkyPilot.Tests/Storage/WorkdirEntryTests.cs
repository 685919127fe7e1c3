using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using SkyPilot.Core.Jobs;
using SkyPilot.Core.Storage;
using SkyPilot.Tests.Support;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Storage;

/// <summary>
/// Symbolic links and special files in a workdir: links to files are staged as their target (plan, hash and upload
/// agree), links to directories are not followed, and dangling links, loops, FIFOs and sockets are never opened but
/// reported as warnings.
/// </summary>
public sealed class WorkdirEntryTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly RecordingLog _log = new();

    public void Dispose() => _temp.Dispose();

    private StagingPlan Plan(string yaml = "workdir: ./w\nrun: echo\n", CancellationToken cancellationToken = default) =>
        StagingPlanner.Plan(TaskParser.Parse(yaml, _temp.Combine("t.yaml"), _temp.Path), "gs://b", cancellationToken, _log);

    private static string Relative(StagedFile f) => f.ObjectName[(f.ObjectName.IndexOf("/workdir/", StringComparison.Ordinal) + 9)..];

    [Fact]
    public void A_link_to_a_file_is_staged_with_the_targets_size_content_and_path()
    {
        var target = _temp.WriteFile("elsewhere/data.bin", new string('x', 5000));
        _temp.WriteFile("w/main.py", "print(1)");
        File.CreateSymbolicLink(_temp.Combine("w", "link-to-file"), target);

        var plan = Plan();

        var linked = plan.Files.Single(f => Relative(f) == "link-to-file");
        linked.Size.Should().Be(5000, "the size planned is the size uploaded: the target's, not the link's");
        linked.LocalPath.Should().Be(Path.GetFullPath(target), "the upload reads the file the plan measured");
        linked.Md5Base64.Should().Be(Convert.ToBase64String(MD5.HashData(File.ReadAllBytes(target))));
        plan.Skipped.Should().BeEmpty();
        _log.Lines.Should().BeEmpty();
    }

    [Fact]
    public void Dangling_links_loops_and_directory_links_are_skipped_with_a_warning_each()
    {
        _temp.WriteFile("w/main.py", "print(1)");
        _temp.WriteFile("w/lib/site.py", "x");
        File.CreateSymbolicLink(_temp.Combine("w", "dangling"), _temp.Combine("w", "nowhere"));
        File.CreateSymbolicLink(_temp.Combine("w", "loop-a"), _temp.Combine("w", "loop-b"));
        File.CreateSymbolicLink(_temp.Combine("w", "loop-b"), _temp.Combine("w", "loop-a"));
        Directory.CreateSymbolicLink(_temp.Combine("w", "lib64"), _temp.Combine("w", "lib"));

        var plan = Plan();

        plan.Files.Select(Relative).Should().BeEquivalentTo(["main.py", "lib/site.py"]);
        plan.Skipped.Should().HaveCount(4);
        _log.Lines.Should().ContainSingle(l => l.StartsWith("WARNING: not staged:") && l.Contains("dangling") && l.Contains("does not exist"));
        _log.Lines.Should().Contain(l => l.Contains("loop-a") && l.Contains("loop of links"));
        _log.Lines.Should().ContainSingle(l => l.Contains("lib64") && l.Contains("directory links are not followed"));
    }

    [Fact]
    public void A_link_to_a_file_outside_an_ignored_path_is_still_subject_to_the_ignore_rules()
    {
        _temp.WriteFile("w/.skyignore", "secret.txt\n");
        var target = _temp.WriteFile("elsewhere/secret.txt", "s");
        File.CreateSymbolicLink(_temp.Combine("w", "secret.txt"), target);
        File.CreateSymbolicLink(_temp.Combine("w", "dangling-but-ignored"), _temp.Combine("nowhere"));
        _temp.WriteFile("w/.skyignore", "secret.txt\ndangling-but-ignored\n");

        var plan = Plan();

        plan.Files.Select(Relative).Should().Equal(".skyignore");
        _log.Lines.Should().BeEmpty("ignored entries are not warned about");
    }

    [Fact]
    public async Task A_fifo_or_socket_in_the_workdir_is_never_opened_and_planning_returns_at_once()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _temp.WriteFile("w/main.py", "print(1)");
        Process.Start("mkfifo", _temp.Combine("w", "pipe"))!.WaitForExit();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(_temp.Combine("w", "sock")));

        var planning = Task.Run(() => Plan());
        var finished = await Task.WhenAny(planning, Task.Delay(TimeSpan.FromSeconds(30)));

        finished.Should().Be(planning, "opening a FIFO for reading blocks until someone writes to it");
        var plan = await planning;
        plan.Files.Select(Relative).Should().Equal("main.py");
        _log.Lines.Should().Contain(l => l.Contains("pipe") && l.Contains("not a regular file"))
            .And.Contain(l => l.Contains("sock") && l.Contains("not a regular file"));
    }

    [Fact]
    public void A_fifo_named_as_a_file_mount_is_an_invalid_task_not_a_hang()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Process.Start("mkfifo", _temp.Combine("pipe"))!.WaitForExit();

        var error = Assert.Throws<TaskFileException>(() => Plan("run: echo\nfile_mounts:\n  /data/pipe: ./pipe\n"));

        error.Field.Should().Be("file_mounts");
        error.Message.Should().Contain("not a regular file");
    }

    [Fact]
    public void Hashing_stops_at_cancellation()
    {
        _temp.WriteFile("w/big.bin", new string('x', 4 * 1024 * 1024));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var plan = () => Plan(cancellationToken: cancelled.Token);

        plan.Should().Throw<OperationCanceledException>();
    }
}
