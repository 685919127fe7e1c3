using System.IO;

namespace SkyPilot.Core
{
    /// <summary>
    /// The directory the module keeps its own state in (the check cache, the fingerprint key, the job history):
    /// <c>SKYPILOT_PS_CACHE_DIR</c> when set (a leading <c>~</c> is the home directory), else <c>~/.sky</c>.
    /// </summary>
    internal static class SkyStateDirectory
    {
        /// <summary>The environment variable that moves the directory.</summary>
        public const string Variable = "SKYPILOT_PS_CACHE_DIR";

        /// <summary>The directory for <paramref name="env"/>; it may not exist yet.</summary>
        public static string For(SkyEnvironment env)
        {
            return env.Get(Variable) is string directory ? env.ExpandHome(directory) : Path.Combine(env.HomeDirectory, ".sky");
        }

        /// <summary>The file <paramref name="name"/> in the directory for <paramref name="env"/>.</summary>
        public static string File(SkyEnvironment env, string name)
        {
            return Path.Combine(For(env), name);
        }
    }
}
