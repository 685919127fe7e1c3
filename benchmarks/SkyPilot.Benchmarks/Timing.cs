using System.Diagnostics;
using System.Globalization;

namespace SkyPilot.Benchmarks;

/// <summary>The timing and printing the hand-written benchmarks share.</summary>
internal static class Timing
{
    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var stopwatch = Stopwatch.StartNew();
        await action();
        return stopwatch.Elapsed;
    }

    /// <summary>The median of <paramref name="iterations"/> timed runs, after one untimed run when <paramref name="warmUp"/>.</summary>
    public static async Task<TimeSpan> MedianAsync(int iterations, Func<Task> action, bool warmUp = true)
    {
        if (warmUp)
        {
            await action();
        }

        var samples = new List<TimeSpan>();
        for (var i = 0; i < iterations; i++)
        {
            samples.Add(await TimeAsync(action));
        }

        samples.Sort();
        return samples[samples.Count / 2];
    }

    public static string Ms(TimeSpan t, int decimals = 1) => t.TotalMilliseconds.ToString(Format(decimals), CultureInfo.InvariantCulture) + " ms";

    public static string Ratio(TimeSpan a, TimeSpan b, int decimals = 2) => (a.TotalMilliseconds / b.TotalMilliseconds).ToString(Format(decimals), CultureInfo.InvariantCulture) + "x";

    private static string Format(int decimals) => decimals == 0 ? "0" : "0." + new string('0', decimals);
}
