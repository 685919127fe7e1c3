using System.Management.Automation;

namespace SkyPilot.PowerShell.Tests.Support;

/// <summary>
/// One runspace with the module imported, shared by every test of a class (<c>IClassFixture&lt;SharedSession&gt;</c>):
/// importing once per class instead of per test keeps the suite fast. Scripts run in the global scope, so a test that
/// changes a preference variable does it inside <c>&amp; { ... }</c>.
/// </summary>
public sealed class SharedSession : IDisposable
{
    public PowerShellSession Session { get; } = new();

    public Invocation Run(string script, params object?[] arguments) => Session.Run(script, arguments);

    public void Dispose() => Session.Dispose();
}

/// <summary>Reads what a PowerShell user reads: a property path through PSObject adapters (<c>"Compute.Allowed"</c>).</summary>
public static class PSObjectExtensions
{
    public static object? Get(this PSObject value, string path)
    {
        object? current = value;
        foreach (var name in path.Split('.'))
        {
            if (current is null)
            {
                return null;
            }

            var wrapped = PSObject.AsPSObject(current);
            var property = wrapped.Properties[name] ?? throw new KeyNotFoundException("no property '" + name + "' on " + wrapped.TypeNames[0]);
            current = property.Value;
        }

        return current is PSObject boxed ? boxed.BaseObject : current;
    }

    public static string? Text(this PSObject value, string path) => value.Get(path)?.ToString();

    public static bool Flag(this PSObject value, string path) => (bool)value.Get(path)!;

    public static IReadOnlyList<string> Strings(this PSObject value, string path) =>
        ((System.Collections.IEnumerable?)value.Get(path) ?? Array.Empty<object>()).Cast<object>().Select(o => o.ToString()!).ToList();
}

/// <summary>What runspace tests need beyond the shared world: private homes, secret scans, error-id composition.</summary>
public static class EngineTestExtensions
{
    /// <summary>A new, empty home directory (optionally with the jobs world's ~/.sky/config.yaml), so files written under it never reach another test.</summary>
    public static string FreshHome(this EngineWorld world, bool withJobsConfig = false)
    {
        var home = world.Gcp.Temp.Combine("home-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        if (withJobsConfig)
        {
            world.Gcp.Temp.WriteFile(Path.Combine(Path.GetFileName(home), ".sky", "config.yaml"), "jobs:\n  bucket: gs://" + JobWorld.Bucket + "/team\n");
        }

        return home;
    }

    /// <summary>Every stream's text plus each output object serialized property by property: what a secret scan must cover.</summary>
    public static string Rendered(this Invocation result)
    {
        var options = new System.Text.Json.JsonSerializerOptions { ReferenceHandler = System.Text.Json.Serialization.ReferenceHandler.IgnoreCycles, MaxDepth = 16 };
        return result.AllText() + "\n" + string.Join("\n", result.Output.Select(o =>
        {
            try
            {
                return System.Text.Json.JsonSerializer.Serialize(o.BaseObject, o.BaseObject.GetType(), options);
            }
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException or System.Text.Json.JsonException)
            {
                return o.BaseObject.ToString();
            }
        }));
    }

    /// <summary>
    /// The FullyQualifiedErrorId PowerShell composes for an error of <paramref name="cmdlet"/> ("Reason,Namespace.CmdletType"),
    /// written out so that renaming a cmdlet class, which changes ids users match on, fails a test.
    /// </summary>
    public static string ErrorId(string reason, string cmdlet) => reason + ",SkyPilot.PowerShell.Commands." + cmdlet.Replace("-", string.Empty) + "Command";

    public static System.Security.SecureString Secure(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
