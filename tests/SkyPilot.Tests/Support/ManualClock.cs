namespace SkyPilot.Tests.Support;

public sealed class ManualClock
{
    public DateTimeOffset Now { get; set; } = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    public void Advance(TimeSpan by) => Now += by;

    public Func<DateTimeOffset> Func => () => Now;
}
