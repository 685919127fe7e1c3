namespace SkyPilot.Tests.Support;

/// <summary>Tests that set process environment variables, as a user would, run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>Sets process environment variables and restores them on dispose.</summary>
public sealed class ProcessEnvironment : IDisposable
{
    private readonly Dictionary<string, string?> _saved = new();
    private readonly string _savedDirectory = Environment.CurrentDirectory;

    /// <param name="workingDirectory">The process's current directory for the scope, as a user's shell would have it.</param>
    public ProcessEnvironment(IReadOnlyDictionary<string, string> variables, string? workingDirectory = null)
    {
        if (workingDirectory != null)
        {
            Environment.CurrentDirectory = workingDirectory;
        }

        foreach (var name in GcpNames.Concat(variables.Keys).Distinct())
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, variables.TryGetValue(name, out var value) ? value : null);
        }
    }

    /// <summary>Variables cleared for every test so the machine's own configuration never leaks in.</summary>
    private static readonly string[] GcpNames =
    [
        "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT", "CLOUDSDK_CORE_ACCOUNT",
        "CLOUDSDK_ACTIVE_CONFIG_NAME", "CLOUDSDK_CONFIG", "GCE_METADATA_HOST", "SKYPILOT_CONFIG", "HOME",
    ];

    public void Dispose()
    {
        Environment.CurrentDirectory = _savedDirectory;
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
