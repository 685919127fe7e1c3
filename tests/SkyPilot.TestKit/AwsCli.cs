using System.Diagnostics;

namespace SkyPilot.TestKit;

/// <summary>
/// The real AWS CLI, run with a private home (its ~/.aws files) and only the AWS variables a test gives it: the way tests
/// switch profiles, rotate keys and make calls that prove a fake or a file layout faithful.
/// </summary>
public sealed class AwsCli
{
    public AwsCli(string home)
    {
        Home = home;
    }

    public string Home { get; }

    /// <summary>AWS_* variables for every run (AWS_PROFILE, AWS_ENDPOINT_URL, ...).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    public static bool IsInstalled => Locate() != null;

    public static string? Locate() =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "aws"))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs aws and fails the test when it exits non-zero.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TryRunAsync(args);
        if (code != 0)
        {
            throw new InvalidOperationException("aws " + string.Join(' ', args) + " exited " + code + ": " + stderr);
        }

        return stdout;
    }

    public async Task<(int ExitCode, string Stdout, string Stderr)> TryRunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Locate() ?? throw new InvalidOperationException("the AWS CLI (aws) is not on the PATH"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["HOME"] = Home;
        info.Environment["AWS_PAGER"] = string.Empty;
        foreach (var pair in Environment)
        {
            info.Environment[pair.Key] = pair.Value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
