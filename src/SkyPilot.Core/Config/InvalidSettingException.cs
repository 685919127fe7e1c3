using System;

namespace SkyPilot.Core.Config
{
    /// <summary>A setting (a parameter, an environment variable or a config key) holds a value this module cannot use.</summary>
    public sealed class InvalidSettingException : ArgumentException
    {
        public InvalidSettingException(string message, string setting, string value, string hint)
            : base(message)
        {
            Setting = setting;
            Value = value;
            Hint = hint;
        }

        /// <summary>Where the value came from, e.g. <c>-Endpoint</c> or <c>jobs.bucket in ~/.sky/config.yaml</c>.</summary>
        public string Setting { get; }

        /// <summary>The value as given (callers redact it before showing it).</summary>
        public string Value { get; }

        /// <summary>The fix.</summary>
        public string Hint { get; }
    }
}
