using System;

namespace SkyPilot.Core.Config
{
    /// <summary>SkyPilot's config file exists but cannot be read or parsed; a command that acts on it stops here.</summary>
    public sealed class SkyConfigException : SkyException
    {
        public SkyConfigException(string path, long? line, string problem)
            : base("The SkyPilot config " + path + " cannot be used: " + problem + ". Nothing was created, uploaded or submitted.")
        {
            Path = path;
            Line = line;
        }

        /// <summary>The config file.</summary>
        public string Path { get; }

        /// <summary>The line the problem is on, when known.</summary>
        public long? Line { get; }

        public override string ErrorId => "InvalidConfiguration";

        public override SkyErrorKind Kind => SkyErrorKind.InvalidData;

        public override object Target => Path;

        /// <summary>The fix.</summary>
        public override string Hint => "Fix " + Path + (Line is null ? string.Empty : " at line " + Line) + ", or point SKYPILOT_CONFIG at a valid file.";
    }
}
