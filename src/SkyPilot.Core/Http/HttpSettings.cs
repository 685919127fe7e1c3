using System;
using System.Globalization;

namespace SkyPilot.Core.Http
{
    /// <summary>Timeouts and retry limits for every API call.</summary>
    public sealed class HttpSettings
    {
        /// <summary>How long one attempt may take. Environment: <c>SKYPILOT_PS_HTTP_TIMEOUT_SECONDS</c>.</summary>
        public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(20);

        /// <summary>Attempts per call, the first included. Environment: <c>SKYPILOT_PS_HTTP_MAX_ATTEMPTS</c>.</summary>
        public int MaxAttempts { get; init; } = 4;

        /// <summary>First backoff delay; doubles per retry, with jitter.</summary>
        public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

        /// <summary>Cap on any single wait, including a server's <c>Retry-After</c>.</summary>
        public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

        public static HttpSettings FromEnvironment(SkyEnvironment env)
        {
            var settings = new HttpSettings();
            if (double.TryParse(env.Get("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                settings = settings.With(attemptTimeout: TimeSpan.FromSeconds(seconds));
            }

            if (int.TryParse(env.Get("SKYPILOT_PS_HTTP_MAX_ATTEMPTS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var attempts) && attempts > 0)
            {
                settings = settings.With(maxAttempts: attempts);
            }

            return settings;
        }

        public HttpSettings With(TimeSpan? attemptTimeout = null, int? maxAttempts = null, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
        {
            return new HttpSettings
            {
                AttemptTimeout = attemptTimeout ?? AttemptTimeout,
                MaxAttempts = maxAttempts ?? MaxAttempts,
                BaseDelay = baseDelay ?? BaseDelay,
                MaxDelay = maxDelay ?? MaxDelay,
            };
        }
    }
}
