using System.Diagnostics;

namespace SkyPilot.TestKit;

/// <summary>The real gcloud CLI, run against a private config directory (CLOUDSDK_CONFIG).</summary>
public sealed class Gcloud
{
    public Gcloud(string configDirectory)
    {
        ConfigDirectory = configDirectory;
    }

    public string ConfigDirectory { get; }

    /// <summary>Extra environment for every run (endpoint overrides, token file).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    public static string? Locate()
    {
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator))
        {
            foreach (var name in new[] { "gcloud", "gcloud.cmd" })
            {
                var candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Runs gcloud and fails the test when it exits non-zero.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TryRunAsync(args);
        if (code != 0)
        {
            throw new InvalidOperationException("gcloud " + string.Join(' ', args) + " exited " + code + ": " + stderr);
        }

        return stdout;
    }

    public async Task<(int ExitCode, string Stdout, string Stderr)> TryRunAsync(params string[] args)
    {
        var executable = Locate() ?? throw new InvalidOperationException("gcloud is not on the PATH; install the Google Cloud CLI.");
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["CLOUDSDK_CONFIG"] = ConfigDirectory;
        info.Environment["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1";
        info.Environment["CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK"] = "true";
        info.Environment["CLOUDSDK_CORE_DISABLE_USAGE_REPORTING"] = "true";
        info.Environment.Remove("CLOUDSDK_ACTIVE_CONFIG_NAME");
        info.Environment.Remove("CLOUDSDK_CORE_PROJECT");
        info.Environment.Remove("CLOUDSDK_CORE_ACCOUNT");
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
