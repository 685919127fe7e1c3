using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace SkyPilot.PowerShell.Tests.Support;

/// <summary>What one script wrote to each stream, and whether it ended in a terminating error.</summary>
public sealed class Invocation
{
    public required IReadOnlyList<PSObject> Output { get; init; }

    public required IReadOnlyList<ErrorRecord> Errors { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }

    public required IReadOnlyList<string> Verbose { get; init; }

    public required IReadOnlyList<string> Debug { get; init; }

    public required IReadOnlyList<ProgressRecord> Progress { get; init; }

    public required IReadOnlyList<string> Information { get; init; }

    /// <summary>The terminating error, if the script ended in one.</summary>
    public RuntimeException? Terminating { get; init; }

    /// <summary>Every error: non-terminating records plus the terminating one.</summary>
    public IEnumerable<ErrorRecord> AllErrors => Terminating?.ErrorRecord is { } record ? Errors.Append(record) : Errors;

    public T Single<T>() => Output.Should().ContainSingle().Subject.BaseObject is T value
        ? value
        : throw new InvalidOperationException("output is " + Output[0].BaseObject.GetType());

    public dynamic Value(int index = 0) => Output[index];

    /// <summary>Everything a user could see or log: output rendered as text, and every stream.</summary>
    public string AllText() => string.Join("\n",
        Output.Select(o => o?.ToString() ?? string.Empty)
            .Concat(AllErrors.SelectMany(e => new[] { e.ToString(), e.Exception?.ToString() ?? string.Empty, e.ErrorDetails?.RecommendedAction ?? string.Empty, e.TargetObject?.ToString() ?? string.Empty }))
            .Concat(Warnings).Concat(Verbose).Concat(Debug).Concat(Information)
            .Concat(Progress.Select(p => p.Activity + " " + p.StatusDescription)));

    public Invocation ShouldSucceed()
    {
        AllErrors.Should().BeEmpty("the script should succeed, but wrote: {0}", string.Join("; ", AllErrors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        return this;
    }
}

/// <summary>
/// A runspace of the real engine, with the staged module imported (or not). Scripts run in it as a user's would;
/// process environment variables are shared by every runspace, so tests that set them run in <see cref="EngineCollection"/>.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    public static string ModuleManifest => Path.Combine(RepositoryPaths.ModuleFolder, "SkyPilot.PowerShell.psd1");

    public PowerShellSession(bool importModule = true)
    {
        var state = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        Runspace = RunspaceFactory.CreateRunspace(state);
        Runspace.Open();
        if (importModule)
        {
            Run("Import-Module $args[0]", ModuleManifest).ShouldSucceed();
        }
    }

    public Runspace Runspace { get; }

    /// <summary>Runs <paramref name="script"/>; <paramref name="arguments"/> are its <c>$args</c>.</summary>
    public Invocation Run(string script, params object?[] arguments)
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = Runspace;
        shell.AddScript(script);
        foreach (var argument in arguments)
        {
            shell.AddArgument(argument);
        }

        return Collect(shell, () => shell.Invoke());
    }

    /// <summary>Starts <paramref name="script"/>, lets it run until <paramref name="stopWhen"/> holds, then stops it like Ctrl+C.</summary>
    public (Invocation Result, TimeSpan StopTook) RunAndStop(string script, Func<bool> stopWhen, TimeSpan timeout)
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = Runspace;
        shell.AddScript(script);
        var output = new PSDataCollection<PSObject>();
        var async = shell.BeginInvoke<PSObject, PSObject>(null, output);
        var deadline = DateTime.UtcNow + timeout;
        while (!stopWhen() && DateTime.UtcNow < deadline && !async.IsCompleted)
        {
            Thread.Sleep(20);
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        shell.Stop();
        var took = watch.Elapsed;
        RuntimeException? terminating = null;
        try
        {
            shell.EndInvoke(async);
        }
        catch (RuntimeException e)
        {
            terminating = e;
        }

        return (Build(shell, output.ToList(), terminating), took);
    }

    private static Invocation Collect(System.Management.Automation.PowerShell shell, Func<Collection<PSObject>> invoke)
    {
        Collection<PSObject> output;
        RuntimeException? terminating = null;
        try
        {
            output = invoke();
        }
        catch (RuntimeException e)
        {
            output = new Collection<PSObject>();
            terminating = e;
        }

        return Build(shell, output.ToList(), terminating);
    }

    private static Invocation Build(System.Management.Automation.PowerShell shell, List<PSObject> output, RuntimeException? terminating) => new()
    {
        Output = output.Where(o => o != null).ToList(),
        Errors = shell.Streams.Error.ToList(),
        Warnings = shell.Streams.Warning.Select(w => w.Message).ToList(),
        Verbose = shell.Streams.Verbose.Select(v => v.Message).ToList(),
        Debug = shell.Streams.Debug.Select(d => d.Message).ToList(),
        Progress = shell.Streams.Progress.ToList(),
        Information = shell.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList(),
        Terminating = terminating,
    };

    public void Dispose() => Runspace.Dispose();
}
