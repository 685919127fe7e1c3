using System.Diagnostics;

namespace SkyPilot.TestKit;

/// <summary>
/// The real <c>pwsh</c> of the repository's local tool manifest (<c>dotnet tool restore</c>, then <c>dotnet pwsh</c>),
/// for what needs a process of its own: module lifecycle in a fresh process, Start-Job, -NonInteractive hosts.
/// </summary>
public static class Pwsh
{
    /// <summary>
    /// NuGet's global packages folder as the test process found it, before any test pointed HOME at a temp dir: the
    /// local tool lives there, and a child with a temp HOME would otherwise look for it under that HOME.
    /// </summary>
    private static string? _packages;
    private static string? _cliHome;

    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void CaptureToolFolders()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        _packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(home, ".nuget", "packages");
        _cliHome = Environment.GetEnvironmentVariable("DOTNET_CLI_HOME") ?? home;
    }

    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
    }

    /// <summary>Runs <c>pwsh -NoProfile -NonInteractive</c> with <paramref name="arguments"/> from the repository root.</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "pwsh", "-NoProfile", "-NonInteractive" }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["NO_COLOR"] = "1";
        info.Environment["NUGET_PACKAGES"] = _packages;
        info.Environment["DOTNET_CLI_HOME"] = _cliHome;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet pwsh");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("pwsh " + string.Join(' ', arguments) + " did not finish");
        }

        var error = await stderr;
        if (process.ExitCode != 0 && error.Contains("dotnet tool restore", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("pwsh is not restored: run 'dotnet tool restore' in the repository first.\n" + error);
        }

        return new Result(process.ExitCode, await stdout, error);
    }
}
