using System.Collections.Concurrent;
using SkyPilot.Core;

namespace SkyPilot.Tests.Support;

public sealed class RecordingLog : ISkyLog
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void Verbose(string message) => Lines.Enqueue("VERBOSE: " + message);

    public void Debug(string message) => Lines.Enqueue("DEBUG: " + message);

    public void Warning(string message) => Lines.Enqueue("WARNING: " + message);
}
