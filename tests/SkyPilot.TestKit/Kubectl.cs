using System.Diagnostics;

namespace SkyPilot.TestKit;

/// <summary>The real kubectl, run with a private HOME and KUBECONFIG: how tests switch contexts and check the fake.</summary>
public sealed class Kubectl
{
    public Kubectl(string home, string? kubeconfig = null)
    {
        Home = home;
        Kubeconfig = kubeconfig;
    }

    public string Home { get; }

    /// <summary>The KUBECONFIG value (a path list), or null for ~/.kube/config under <see cref="Home"/>.</summary>
    public string? Kubeconfig { get; set; }

    public static string? Locate()
    {
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            foreach (var name in new[] { "kubectl", "kubectl.exe" })
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Runs kubectl and fails the test when it exits non-zero.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TryRunAsync(args);
        if (code != 0)
        {
            throw new InvalidOperationException("kubectl " + string.Join(' ', args) + " exited " + code + ": " + stderr);
        }

        return stdout;
    }

    public async Task<(int ExitCode, string Stdout, string Stderr)> TryRunAsync(params string[] args)
    {
        var executable = Locate() ?? throw new InvalidOperationException("kubectl is not on the PATH; install kubectl.");
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

        info.Environment["HOME"] = Home;
        info.Environment["USERPROFILE"] = Home;
        info.Environment.Remove("KUBECONFIG");
        if (Kubeconfig != null)
        {
            info.Environment["KUBECONFIG"] = Kubeconfig;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
