namespace SkyPilot.TestKit;

/// <summary>
/// The real AWS CLI, run with a private home (its ~/.aws files) and only the AWS variables a test gives it: the way tests
/// switch profiles, rotate keys and make calls that prove a fake or a file layout faithful.
/// </summary>
public sealed class AwsCli(string home) : CliDriver("aws", "the AWS CLI (aws) is not on the PATH", "aws")
{
    public string Home { get; } = home;

    /// <summary>AWS_* variables for every run (AWS_PROFILE, AWS_ENDPOINT_URL, ...).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    protected override void Configure(IDictionary<string, string?> environment)
    {
        foreach (var name in environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            environment.Remove(name);
        }

        environment["HOME"] = Home;
        environment["AWS_PAGER"] = string.Empty;
        foreach (var pair in Environment)
        {
            environment[pair.Key] = pair.Value;
        }
    }
}
