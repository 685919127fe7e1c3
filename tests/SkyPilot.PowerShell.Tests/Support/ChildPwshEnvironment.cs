namespace SkyPilot.PowerShell.Tests.Support;

/// <summary>
/// The environment of a child pwsh that imports the staged module: a world's variables, the manifest path in
/// <c>SKY_MODULE</c>, a cache directory of its own, and the test's extra variables.
/// </summary>
internal static class ChildPwshEnvironment
{
    public static Dictionary<string, string?> For(IReadOnlyDictionary<string, string> variables, params (string Name, string Value)[] extra)
    {
        var environment = variables.ToDictionary(v => v.Key, v => (string?)v.Value);
        environment["SKY_MODULE"] = PowerShellSession.ModuleManifest;
        environment["SKYPILOT_PS_CACHE_DIR"] = Path.Combine(Path.GetTempPath(), "skyps-cache-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return environment;
    }
}
