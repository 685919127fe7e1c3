using System.Diagnostics;
using System.Text;

namespace SkyPilot.TestKit;

/// <summary>Stopping the helper servers the test kit runs as child processes.</summary>
public static class ChildProcess
{
    /// <summary>Closes stdin (the servers exit when it closes), waits up to five seconds, then kills the whole tree.</summary>
    public static async Task StopAsync(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}

/// <summary>What a helper server writes to stderr (its first 64,000 characters), kept for failure messages.</summary>
public sealed class CapturedStderr
{
    private readonly StringBuilder _text = new();

    /// <summary>Starts reading the process's redirected stderr.</summary>
    public CapturedStderr(Process process)
    {
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_text)
            {
                if (e.Data is not null && _text.Length < 64_000)
                {
                    _text.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
