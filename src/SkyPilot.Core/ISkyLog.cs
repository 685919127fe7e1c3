namespace SkyPilot.Core
{
    /// <summary>
    /// Where Core reports what it does. Implementations must be thread-safe: Core calls them from worker threads.
    /// Messages are already redacted.
    /// </summary>
    public interface ISkyLog
    {
        void Verbose(string message);

        void Debug(string message);

        void Warning(string message);
    }

    /// <summary>A log that drops everything.</summary>
    public sealed class NullSkyLog : ISkyLog
    {
        public static readonly NullSkyLog Instance = new NullSkyLog();

        public void Verbose(string message)
        {
        }

        public void Debug(string message)
        {
        }

        public void Warning(string message)
        {
        }
    }
}
