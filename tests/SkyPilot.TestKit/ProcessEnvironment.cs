namespace SkyPilot.TestKit;

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
        "NEBIUS_IAM_TOKEN", "NEBIUS_ENDPOINT", "SKYPILOT_API_SERVER_ENDPOINT", "SKYPILOT_SERVICE_ACCOUNT_TOKEN", "SKYPILOT_PS_CACHE_DIR",
        "SKYPILOT_PS_CACHE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL", "KUBECONFIG",
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
