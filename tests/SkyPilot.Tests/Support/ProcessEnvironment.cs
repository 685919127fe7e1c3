namespace SkyPilot.Tests.Support;

/// <summary>Tests that set process environment variables, as a user would, run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}
