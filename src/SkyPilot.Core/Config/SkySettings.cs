using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace SkyPilot.Core.Config
{
    /// <summary>One numeric setting read from an environment variable, with its default and allowed range.</summary>
    public sealed class NumericSetting
    {
        internal NumericSetting(string variable, double defaultValue, double minimum, double maximum, bool wholeNumber = false)
        {
            Variable = variable;
            Default = defaultValue;
            Minimum = minimum;
            Maximum = maximum;
            WholeNumber = wholeNumber;
        }

        public string Variable { get; }

        public double Default { get; }

        public double Minimum { get; }

        public double Maximum { get; }

        public bool WholeNumber { get; }

        internal string Range => Format(Minimum) + " to " + Format(Maximum) + (WholeNumber ? " (a whole number)" : string.Empty);

        internal static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Every numeric <c>SKYPILOT_PS_*</c> setting, parsed once per environment snapshot in this one place. A value that
    /// is not a number or is outside its range (<c>1e10</c>, <c>Infinity</c>, <c>NaN</c>) is replaced by the default,
    /// with one warning naming the variable, the allowed range and the default used.
    /// </summary>
    public sealed class SkySettings
    {
        public static readonly NumericSetting CacheTtlMinutes = new NumericSetting("SKYPILOT_PS_CACHE_TTL_MINUTES", 60, 0, 7 * 24 * 60);
        public static readonly NumericSetting CacheDeniedTtlSeconds = new NumericSetting("SKYPILOT_PS_CACHE_DENIED_TTL_SECONDS", 120, 0, 600);
        public static readonly NumericSetting HttpTimeoutSeconds = new NumericSetting("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", 20, 0.1, 600);
        public static readonly NumericSetting HttpMaxAttempts = new NumericSetting("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", 4, 1, 10, wholeNumber: true);
        public static readonly NumericSetting HttpMaxDelaySeconds = new NumericSetting("SKYPILOT_PS_HTTP_MAX_DELAY_SECONDS", 30, 0, 300);
        public static readonly NumericSetting JobPollSeconds = new NumericSetting("SKYPILOT_PS_JOB_POLL_SECONDS", 5, 0.05, 600);
        public static readonly NumericSetting NebiusTokenWarnHours = new NumericSetting("SKYPILOT_PS_NEBIUS_TOKEN_WARN_HOURS", 10, 0, 12);
        public static readonly NumericSetting UploadParallelism = new NumericSetting("SKYPILOT_PS_UPLOAD_PARALLELISM", 8, 1, 64, wholeNumber: true);

        /// <summary>All of them, for documentation and tests.</summary>
        public static readonly IReadOnlyList<NumericSetting> All = new[]
        {
            CacheTtlMinutes, CacheDeniedTtlSeconds, HttpTimeoutSeconds, HttpMaxAttempts, HttpMaxDelaySeconds, JobPollSeconds, NebiusTokenWarnHours, UploadParallelism,
        };

        private readonly Dictionary<NumericSetting, double> _values = new Dictionary<NumericSetting, double>();
        private readonly HashSet<NumericSetting> _given = new HashSet<NumericSetting>();
        private int _reported;

        private SkySettings(SkyEnvironment env)
        {
            var warnings = new List<string>();
            foreach (var setting in All)
            {
                var (value, warning) = Parse(setting, env.Get(setting.Variable));
                _values[setting] = value;
                if (warning != null)
                {
                    warnings.Add(warning);
                }
                else if (env.Get(setting.Variable) != null)
                {
                    _given.Add(setting);
                }
            }

            Warnings = warnings;
        }

        /// <summary>One line per variable that was set to something unusable.</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>The settings of this environment snapshot (parsed on first use, then kept with the snapshot).</summary>
        public static SkySettings For(SkyEnvironment env) => env.Settings;

        internal static SkySettings Parse(SkyEnvironment env) => new SkySettings(env);

        public double Get(NumericSetting setting) => _values[setting];

        /// <summary>True when the user set the variable to a usable value (a caller with its own default keeps it otherwise).</summary>
        public bool IsGiven(NumericSetting setting) => _given.Contains(setting);

        public int GetInt(NumericSetting setting) => (int)_values[setting];

        public TimeSpan Seconds(NumericSetting setting) => TimeSpan.FromSeconds(_values[setting]);

        public TimeSpan Minutes(NumericSetting setting) => TimeSpan.FromMinutes(_values[setting]);

        /// <summary>Writes the warnings to <paramref name="log"/>, once per environment snapshot however often it is called.</summary>
        public void ReportTo(ISkyLog? log)
        {
            if (log is null || Warnings.Count == 0 || Interlocked.Exchange(ref _reported, 1) == 1)
            {
                return;
            }

            foreach (var warning in Warnings)
            {
                log.Warning(warning);
            }
        }

        internal static (double Value, string? Warning) Parse(NumericSetting setting, string? text)
        {
            if (text is null)
            {
                return (setting.Default, null);
            }

            var shown = text.Length > 40 ? text.Substring(0, 40) + "…" : text;
            var ok = double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value);
            if (ok && !double.IsNaN(value) && value >= setting.Minimum && value <= setting.Maximum && (!setting.WholeNumber || Math.Floor(value) == value))
            {
                return (value, null);
            }

            var problem = ok && !double.IsNaN(value) ? "is out of range" : "is not a number";
            return (setting.Default, setting.Variable + "='" + shown + "' " + problem + " (allowed: " + setting.Range + "); using the default " + NumericSetting.Format(setting.Default) + ".");
        }
    }
}
