namespace SkyPilot.PowerShell.Tests.Support;

/// <summary>
/// Runspace tests set process environment variables (as a user's shell would) and share the loopback servers: they run
/// one at a time, with the servers started once for the collection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineCollection : ICollectionFixture<EngineWorld>
{
    public const string Name = "PowerShell engine";
}
