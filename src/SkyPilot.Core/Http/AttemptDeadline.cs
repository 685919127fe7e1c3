using System;
using System.Globalization;
using System.Threading;

namespace SkyPilot.Core.Http
{
    /// <summary>
    /// The one per-attempt deadline (HTTP attempts, token fetches, child processes): a token that is cancelled by the
    /// caller or when the attempt's time is up, and the one rule telling the two apart.
    /// </summary>
    /// <remarks>
    /// An <see cref="OperationCanceledException"/> while the caller has not cancelled is the attempt running out of time
    /// (ours, or a library's own timeout): a failure of this attempt, reported or retried. When the caller has cancelled
    /// (Ctrl+C), it is not caught and propagates as cancellation.
    /// </remarks>
    internal sealed class AttemptDeadline : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly CancellationToken _caller;

        public AttemptDeadline(TimeSpan timeout, CancellationToken caller)
        {
            Timeout = timeout;
            _caller = caller;
            _source = CancellationTokenSource.CreateLinkedTokenSource(caller);
            _source.CancelAfter(timeout);
        }

        public TimeSpan Timeout { get; }

        /// <summary>Cancelled by the caller or at the deadline; pass it to the attempt.</summary>
        public CancellationToken Token => _source.Token;

        /// <summary>True when a cancellation of the attempt is its time running out, not the caller cancelling.</summary>
        public bool Expired => !_caller.IsCancellationRequested;

        /// <summary>The failure's wording, e.g. <c>no answer within 20 s</c>.</summary>
        public string Describe(string what = "no answer") => what + " within " + Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

        public void Dispose() => _source.Dispose();
    }
}
