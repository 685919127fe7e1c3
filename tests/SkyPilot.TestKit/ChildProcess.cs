using System.Diagnostics;

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
