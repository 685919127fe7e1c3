using System;

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

        /// <summary>Cap on any single wait, including a server's <c>Retry-After</c>. Environment: <c>SKYPILOT_PS_HTTP_MAX_DELAY_SECONDS</c>.</summary>
        public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

        /// <summary>The settings for <paramref name="env"/> (see <see cref="Config.SkySettings"/>); unusable values are reported to <paramref name="log"/>.</summary>
        public static HttpSettings FromEnvironment(SkyEnvironment env, ISkyLog? log = null)
        {
            var numbers = Config.SkySettings.For(env);
            numbers.ReportTo(log);
            return new HttpSettings
            {
                AttemptTimeout = numbers.Seconds(Config.SkySettings.HttpTimeoutSeconds),
                MaxAttempts = numbers.GetInt(Config.SkySettings.HttpMaxAttempts),
                MaxDelay = numbers.Seconds(Config.SkySettings.HttpMaxDelaySeconds),
            };
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
