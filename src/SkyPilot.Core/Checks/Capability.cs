namespace SkyPilot.Core.Checks
{
    /// <summary>What a cloud can be used for, checked separately (SkyPilot's <c>CloudCapability</c>).</summary>
    public enum Capability
    {
        Compute,
        Storage,
    }
}
