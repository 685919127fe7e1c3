namespace SkyPilot.TestKit;

/// <summary>What every cloud's private test world shares: a temp folder, a home in it, and the variables the module runs with.</summary>
public abstract class TestWorld
{
    private readonly Dictionary<string, string> _variables = new();

    protected TestWorld(string tempPrefix)
    {
        Temp = new TempDirectory(tempPrefix);
        Home = Temp.Combine("home");
        Directory.CreateDirectory(Home);
        _variables["HOME"] = Home;
    }

    public TempDirectory Temp { get; }

    public string Home { get; }

    public IReadOnlyDictionary<string, string> Variables => _variables;

    /// <summary>Sets a variable, or removes it when <paramref name="value"/> is null.</summary>
    public virtual void Set(string name, string? value)
    {
        if (value is null)
        {
            _variables.Remove(name);
        }
        else
        {
            _variables[name] = value;
        }
    }
}
