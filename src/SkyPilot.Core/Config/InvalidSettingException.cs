using System;

namespace SkyPilot.Core.Config
{
    /// <summary>A setting (a parameter, an environment variable or a config key) holds a value this module cannot use.</summary>
    public sealed class InvalidSettingException : SkyException
    {
        public InvalidSettingException(string message, string setting, string value, string hint)
            : base(message)
        {
            Setting = setting;
            Target = Http.Redactor.Redact(value);
            Hint = hint;
        }

        /// <summary>Where the value came from, e.g. <c>-Endpoint</c> or <c>jobs.bucket in ~/.sky/config.yaml</c>.</summary>
        public string Setting { get; }

        /// <summary>The fix.</summary>
        public override string Hint { get; }

        public override string ErrorId => "InvalidArgument";

        public override SkyErrorKind Kind => SkyErrorKind.InvalidArgument;

        /// <summary>The value as given, redacted.</summary>
        public override object Target { get; }
    }
}
