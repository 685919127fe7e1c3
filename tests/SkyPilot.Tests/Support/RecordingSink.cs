using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.Tests.Support;

/// <summary>Records everything a cmdlet's logic writes, stream by stream.</summary>
internal sealed class RecordingSink : ICmdletSink
{
    public List<object> Output { get; } = [];

    public List<SkyErrorInfo> Errors { get; } = [];

    public List<string> Warnings { get; } = [];

    public List<string> Verbose { get; } = [];

    public List<string> Debug { get; } = [];

    public List<SkyProgress> Progress { get; } = [];

    public List<(string Target, string Action)> ShouldProcessCalls { get; } = [];

    /// <summary>What ShouldProcess answers (false simulates -WhatIf or a "no" to -Confirm).</summary>
    public bool Approve { get; set; } = true;

    public int PipelineThreadId { get; } = Environment.CurrentManagedThreadId;

    public List<int> WriteThreadIds { get; } = [];

    public void WriteObject(object value) => Record(() => Output.Add(value));

    public void WriteError(SkyErrorInfo error) => Record(() => Errors.Add(error));

    public void WriteWarning(string message) => Record(() => Warnings.Add(message));

    public void WriteVerbose(string message) => Record(() => Verbose.Add(message));

    public void WriteDebug(string message) => Record(() => Debug.Add(message));

    public void WriteProgress(SkyProgress progress) => Record(() => Progress.Add(progress));

    public bool ShouldProcess(string target, string action)
    {
        ShouldProcessCalls.Add((target, action));
        return Approve;
    }

    /// <summary>Every text that reached any stream, for secret scans.</summary>
    public IEnumerable<string> AllText() =>
        Warnings.Concat(Verbose).Concat(Debug)
            .Concat(Errors.Select(e => e.Exception.ToString() + " " + e.RecommendedAction))
            .Concat(Output.Select(o => Newtonsoft.Json.JsonConvert.SerializeObject(o)));

    private void Record(Action add)
    {
        WriteThreadIds.Add(Environment.CurrentManagedThreadId);
        add();
    }
}
