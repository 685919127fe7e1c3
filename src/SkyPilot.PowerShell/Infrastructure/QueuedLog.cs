using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Http;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// Collects Core's log lines from worker threads; the pipeline thread drains them into the cmdlet's streams.
    /// </summary>
    internal sealed class QueuedLog : ISkyLog
    {
        private readonly ConcurrentQueue<(char Kind, string Message)> _queue = new ConcurrentQueue<(char, string)>();
        private SkyProgress? _progress;
        private string[] _concealed = new string[0];

        /// <summary>Signalled whenever a line is queued.</summary>
        public AutoResetEvent Queued { get; } = new AutoResetEvent(false);

        public void Verbose(string message) => Enqueue('V', message);

        public void Debug(string message) => Enqueue('D', message);

        public void Warning(string message) => Enqueue('W', message);

        /// <summary>Keeps only the latest progress: the pipeline thread shows the newest state, never a backlog.</summary>
        public void Progress(SkyProgress progress)
        {
            Interlocked.Exchange(ref _progress, progress);
            Queued.Set();
        }

        public void DrainTo(SkyCmdlet cmdlet)
        {
            if (Interlocked.Exchange(ref _progress, null) is SkyProgress progress)
            {
                cmdlet.WriteProgress(progress);
            }

            while (_queue.TryDequeue(out var line))
            {
                switch (line.Kind)
                {
                    case 'W':
                        cmdlet.WriteSkyWarning(line.Message);
                        break;
                    case 'V':
                        cmdlet.WriteSkyVerbose(line.Message);
                        break;
                    default:
                        cmdlet.WriteDebug(line.Message);
                        break;
                }
            }
        }

        /// <summary>
        /// Values never to be shown (the secrets of a submission), on top of the patterns <see cref="Redactor"/> knows.
        /// Values shorter than 3 characters are not concealed: hiding them would garble every message.
        /// </summary>
        public void Conceal(IEnumerable<string> values) =>
            _concealed = _concealed.Concat(values.Where(v => v != null && v.Length >= 3)).Distinct().OrderByDescending(v => v.Length).ToArray();

        /// <summary>The text as it may be shown: known secret patterns and concealed values replaced.</summary>
        public string Scrub(string? text) => HideConcealed(Redactor.Redact(text));

        /// <summary>The text with only the concealed values replaced (for our own texts, such as hints, which name no secret pattern).</summary>
        public string HideConcealed(string? text)
        {
            var hidden = text ?? string.Empty;
            foreach (var value in _concealed)
            {
                hidden = hidden.Replace(value, "[redacted]");
            }

            return hidden;
        }

        private void Enqueue(char kind, string message)
        {
            _queue.Enqueue((kind, Scrub(message)));
            Queued.Set();
        }
    }
}
