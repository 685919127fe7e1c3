using System;
using SkyPilot.Core.Config;

namespace SkyPilot.Core.Cache
{
    /// <summary>Where the check cache lives and how long its entries stay fresh.</summary>
    public sealed class CacheSettings
    {
        /// <summary>The longest a denied result may be served, whatever the configuration says.</summary>
        public static readonly TimeSpan MaxDeniedTtl = TimeSpan.FromMinutes(10);

        /// <summary>The cache file. Default <c>~/.sky/powershell-check-cache.json</c>; directory from <c>SKYPILOT_PS_CACHE_DIR</c>.</summary>
        public string FilePath { get; init; } = string.Empty;

        /// <summary>How long an allowed result is served. Default 1 hour; <c>SKYPILOT_PS_CACHE_TTL_MINUTES</c>.</summary>
        public TimeSpan AllowedTtl { get; init; } = TimeSpan.FromHours(1);

        /// <summary>How long a denied result is served, so new grants are seen soon. Default 2 minutes, at most 10;
        /// <c>SKYPILOT_PS_CACHE_DENIED_TTL_SECONDS</c>.</summary>
        public TimeSpan DeniedTtl { get; init; } = TimeSpan.FromMinutes(2);

        /// <summary>How long a writer waits for another process's lock before giving up on caching (the check still succeeds).</summary>
        public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);

        /// <summary>Entries kept at most; the oldest go first.</summary>
        public int MaxEntries { get; init; } = 4096;

        /// <summary>False when <c>SKYPILOT_PS_CACHE=off</c>: every check goes to the cloud and nothing is stored.</summary>
        public bool Enabled { get; init; } = true;

        /// <summary>The settings for <paramref name="env"/>; unusable values are reported to <paramref name="log"/> (once per snapshot).</summary>
        public static CacheSettings FromEnvironment(SkyEnvironment env, ISkyLog? log = null)
        {
            var numbers = SkySettings.For(env);
            numbers.ReportTo(log);
            return new CacheSettings
            {
                FilePath = SkyStateDirectory.File(env, "powershell-check-cache.json"),
                Enabled = !string.Equals(env.Get("SKYPILOT_PS_CACHE"), "off", StringComparison.OrdinalIgnoreCase),
                AllowedTtl = numbers.Minutes(SkySettings.CacheTtlMinutes),
                DeniedTtl = numbers.Seconds(SkySettings.CacheDeniedTtlSeconds),
            };
        }

        public CacheSettings With(string? filePath = null, TimeSpan? allowedTtl = null, TimeSpan? deniedTtl = null, TimeSpan? lockTimeout = null, int? maxEntries = null)
        {
            var denied = deniedTtl ?? DeniedTtl;
            return new CacheSettings
            {
                FilePath = filePath ?? FilePath,
                AllowedTtl = allowedTtl ?? AllowedTtl,
                DeniedTtl = denied > MaxDeniedTtl ? MaxDeniedTtl : denied,
                LockTimeout = lockTimeout ?? LockTimeout,
                MaxEntries = maxEntries ?? MaxEntries,
                Enabled = Enabled,
            };
        }
    }
}
