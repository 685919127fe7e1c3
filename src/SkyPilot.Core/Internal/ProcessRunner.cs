using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.Core.Internal
{
    /// <summary>Runs a CLI, reading stdout and stderr concurrently (a full pipe would otherwise deadlock), with a timeout.</summary>
    internal static class ProcessRunner
    {
        public sealed class Result
        {
            public Result(int exitCode, string stdout, string stderr)
            {
                ExitCode = exitCode;
                Stdout = stdout;
                Stderr = stderr;
            }

            public int ExitCode { get; }

            public string Stdout { get; }

            public string Stderr { get; }
        }

        /// <exception cref="Win32Exception">The program could not be started (not found).</exception>
        /// <exception cref="TimeoutException">It ran past <paramref name="timeout"/>; it has been killed.</exception>
        public static Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
            RunAsync(fileName, arguments, null, timeout, cancellationToken);

        /// <summary>Runs with <paramref name="environment"/> as the child's whole environment (null inherits this process's).</summary>
        public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var info = new ProcessStartInfo(fileName)
            {
                Arguments = Quote(arguments),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                CreateNoWindow = true,
            };
            if (environment != null)
            {
                info.Environment.Clear();
                foreach (var pair in environment)
                {
                    info.Environment[pair.Key] = pair.Value;
                }
            }

            using (var process = new Process { StartInfo = info, EnableRaisingEvents = true })
            {
                var exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                process.Exited += (_, __) => exited.TrySetResult(true);
                process.Start();
                process.StandardInput.Close();
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                using (var deadline = new Http.AttemptDeadline(timeout, cancellationToken))
                using (deadline.Token.Register(() => exited.TrySetCanceled()))
                {
                    try
                    {
                        await exited.Task.ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        TryKill(process);
                        if (!deadline.Expired)
                        {
                            throw;
                        }

                        throw new TimeoutException(fileName + " " + deadline.Describe("did not finish"));
                    }
                }

                process.WaitForExit();
                return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
            }
        }

        private static void TryKill(Process process)
        {
            try
            {
                process.Kill();
            }
            catch (Exception e) when (e is InvalidOperationException || e is Win32Exception)
            {
            }
        }

        private static string Quote(IEnumerable<string> arguments)
        {
            var parts = new List<string>();
            foreach (var argument in arguments)
            {
                parts.Add(argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '"', '\t' }) < 0 ? argument : "\"" + argument.Replace("\"", "\\\"") + "\"");
            }

            return string.Join(" ", parts);
        }
    }
}
