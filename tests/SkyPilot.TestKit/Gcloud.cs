namespace SkyPilot.TestKit;

/// <summary>The real gcloud CLI, run against a private config directory (CLOUDSDK_CONFIG).</summary>
public sealed class Gcloud(string configDirectory)
    : CliDriver("gcloud", "gcloud is not on the PATH; install the Google Cloud CLI.", FileNames)
{
    private static readonly string[] FileNames = ["gcloud", "gcloud.cmd"];

    public string ConfigDirectory { get; } = configDirectory;

    /// <summary>Extra environment for every run (endpoint overrides, token file).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    public static string? Locate() => FindOnPath(FileNames);

    protected override void Configure(IDictionary<string, string?> environment)
    {
        environment["CLOUDSDK_CONFIG"] = ConfigDirectory;
        environment["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1";
        environment["CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK"] = "true";
        environment["CLOUDSDK_CORE_DISABLE_USAGE_REPORTING"] = "true";
        environment.Remove("CLOUDSDK_ACTIVE_CONFIG_NAME");
        environment.Remove("CLOUDSDK_CORE_PROJECT");
        environment.Remove("CLOUDSDK_CORE_ACCOUNT");
        foreach (var pair in Environment)
        {
            environment[pair.Key] = pair.Value;
        }
    }
}
