namespace SkyPilot.TestKit;

/// <summary>A private AWS world for one test: a temp HOME with ~/.aws written by the real CLI, pointed at moto through AWS_ENDPOINT_URL.</summary>
public sealed class AwsWorld : TestWorld, IDisposable
{
    public AwsWorld(string endpoint)
        : base("skyps-aws")
    {
        Cli = new AwsCli(Home);
        Set("AWS_ENDPOINT_URL", endpoint);
        Set("SKYPILOT_PS_CACHE_DIR", Temp.Combine("cache"));
        Set("SKYPILOT_PS_HTTP_TIMEOUT_SECONDS", "30");
        Set("SKYPILOT_PS_HTTP_MAX_ATTEMPTS", "2");
    }

    /// <summary>The real AWS CLI on this world's HOME, with the same AWS_* variables.</summary>
    public AwsCli Cli { get; }

    public string AwsDirectory => Path.Combine(Home, ".aws");

    public override void Set(string name, string? value)
    {
        base.Set(name, value);
        if (value is null)
        {
            Cli.Environment.Remove(name);
        }
        else if (name.StartsWith("AWS_", StringComparison.Ordinal))
        {
            Cli.Environment[name] = value;
        }
    }

    /// <summary>Writes a profile's keys and region with the real CLI (<c>aws configure set</c>).</summary>
    public async Task ConfigureAsync(string profile, AwsTestUser user)
    {
        await Cli.RunAsync("configure", "set", "aws_access_key_id", user.AccessKeyId, "--profile", profile);
        await Cli.RunAsync("configure", "set", "aws_secret_access_key", user.SecretAccessKey, "--profile", profile);
    }

    /// <summary>Appends a profile's keys to ~/.aws/credentials directly (for tests that are not about the CLI's files).</summary>
    public void AddKeys(string profile, AwsTestUser user)
    {
        Directory.CreateDirectory(AwsDirectory);
        File.AppendAllText(Path.Combine(AwsDirectory, "credentials"), "[" + profile + "]\naws_access_key_id = " + user.AccessKeyId + "\naws_secret_access_key = " + user.SecretAccessKey + "\n\n");
    }

    public void WriteFile(string relative, string content)
    {
        var path = Path.Combine(Home, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Dispose() => Temp.Dispose();
}
