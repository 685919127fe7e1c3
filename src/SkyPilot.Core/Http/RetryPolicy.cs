using System;
using System.Globalization;

namespace SkyPilot.Core.Http
{
    /// <summary>
    /// The one retry policy: how many attempts, which answers are transient, and how long to wait between attempts
    /// (exponential backoff with jitter, or the server's <c>Retry-After</c>, both capped at <see cref="HttpSettings.MaxDelay"/>).
    /// <see cref="RetryingHttpSender"/> runs it per request; loops whose unit of retry is larger than one request (a
    /// resumable upload's chunk, a job poll) take their limit and delays from here instead of keeping their own.
    /// </summary>
    public sealed class RetryPolicy
    {
        private static readonly Random Jitter = new Random();
        private readonly HttpSettings _settings;

        public RetryPolicy(HttpSettings settings)
        {
            _settings = settings;
        }

        /// <summary>Attempts per unit of work, the first included.</summary>
        public int MaxAttempts => _settings.MaxAttempts;

        public TimeSpan AttemptTimeout => _settings.AttemptTimeout;

        /// <summary>429 and the 5xx answers that mean "try again" (500, 502, 503, 504).</summary>
        public static bool IsTransient(int status) => status == 429 || status == 500 || status == 502 || status == 503 || status == 504;

        /// <summary>
        /// The wait after failed attempt number <paramref name="attempt"/> (1-based): <paramref name="retryAfter"/> when
        /// the server gave one, else <c>BaseDelay × 2^(attempt-1)</c> with ±20% jitter; never more than <c>MaxDelay</c>.
        /// </summary>
        public TimeSpan Delay(int attempt, TimeSpan? retryAfter = null)
        {
            var delay = retryAfter ?? Backoff(attempt);
            return delay > _settings.MaxDelay ? _settings.MaxDelay : delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }

        /// <summary>A response's <c>Retry-After</c> (seconds or an HTTP date), or null.</summary>
        public static TimeSpan? RetryAfter(HttpCallResult result)
        {
            var header = result.Header("retry-after");
            if (string.IsNullOrWhiteSpace(header))
            {
                return null;
            }

            if (int.TryParse(header!.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            {
                return TimeSpan.FromSeconds(Math.Max(0, seconds));
            }

            if (DateTimeOffset.TryParse(header, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }

            return null;
        }

        private TimeSpan Backoff(int attempt)
        {
            double jitter;
            lock (Jitter)
            {
                jitter = 0.8 + (Jitter.NextDouble() * 0.4);
            }

            return TimeSpan.FromMilliseconds(_settings.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1)) * jitter);
        }
    }
}
