using System.Diagnostics;

namespace SkyPilot.TestKit;

/// <summary>A real command-line tool found on the PATH, run as a child process in an environment the test sets.</summary>
public abstract class CliDriver
{
    private readonly string _name;
    private readonly string _missing;
    private readonly string[] _fileNames;

    /// <param name="name">How errors name the tool.</param>
    /// <param name="missing">What to say when the tool is not on the PATH.</param>
    /// <param name="fileNames">The file names to look for in each PATH folder, in order.</param>
    protected CliDriver(string name, string missing, params string[] fileNames)
    {
        _name = name;
        _missing = missing;
        _fileNames = fileNames;
    }

    /// <summary>The first of <paramref name="fileNames"/> in the first PATH folder that has one, or null.</summary>
    public static string? FindOnPath(params string[] fileNames) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .SelectMany(dir => fileNames.Select(name => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs the tool and fails the test when it exits non-zero.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TryRunAsync(args);
        if (code != 0)
        {
            throw new InvalidOperationException(_name + " " + string.Join(' ', args) + " exited " + code + ": " + stderr);
        }

        return stdout;
    }

    public async Task<(int ExitCode, string Stdout, string Stderr)> TryRunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(FindOnPath(_fileNames) ?? throw new InvalidOperationException(_missing))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Configure(info.Environment);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Sets the child's environment (it starts as a copy of the test process's).</summary>
    protected abstract void Configure(IDictionary<string, string?> environment);
}
