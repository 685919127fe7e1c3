using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Internal;
using System.Text.Json.Serialization;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.State;

/// <summary>
/// The job history, the pending launches and the server check memory share the one state-file helper: versioned,
/// owner-only, merged under its lock so concurrent sessions lose nothing, and a foreign file is never misread.
/// </summary>
public sealed class StateListTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    internal sealed class Item
    {
        public string? Name { get; set; }
    }

    private StateList<Item> List(int max = 100) => new(_temp.Combine("sky", "list.json"), "test list", "skypilot-powershell/test-list", max, TestStateJson.Default.ItemList);

    [Fact]
    public async Task Concurrent_updates_from_many_writers_lose_nothing()
    {
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            List().Update(old => old.Append(new Item { Name = "n" + i }), NullSkyLog.Instance).Should().BeTrue())));

        List().Read().Select(e => e.Name).Should().BeEquivalentTo(Enumerable.Range(0, 16).Select(i => "n" + i));
    }

    [Fact]
    public void The_file_is_versioned_owner_only_and_bounded()
    {
        List(max: 3).Update(_ => Enumerable.Range(0, 10).Select(i => new Item { Name = "n" + i }), NullSkyLog.Instance);

        var text = File.ReadAllText(List().Path);
        text.Should().Contain("\"format\":\"skypilot-powershell/test-list\"").And.Contain("\"version\":1");
        List().Read().Select(e => e.Name).Should().Equal("n0", "n1", "n2");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(List().Path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Theory]
    [InlineData("[{\"Name\":\"from an older version\"}]")]
    [InlineData("{\"format\":\"someone-else\",\"version\":1,\"entries\":[{\"Name\":\"x\"}]}")]
    [InlineData("{\"format\":\"skypilot-powershell/test-list\",\"version\":99,\"entries\":[{\"Name\":\"x\"}]}")]
    [InlineData("not json {{{")]
    public void A_foreign_older_or_damaged_file_reads_as_empty_and_is_replaced_by_the_next_update(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(List().Path)!);
        File.WriteAllText(List().Path, content);

        List().Read().Should().BeEmpty();
        List().Update(old => old.Append(new Item { Name = "new" }), NullSkyLog.Instance).Should().BeTrue();
        List().Read().Select(e => e.Name).Should().Equal("new");
    }

    [Fact]
    public void The_job_history_keeps_the_newest_view_of_each_job_and_every_other_job()
    {
        var env = new SkyEnvironment(new Dictionary<string, string> { ["SKYPILOT_PS_CACHE_DIR"] = _temp.Combine("state") }, _temp.Path);
        JobHistory.Remember(env, [new ManagedJob { JobId = 1, Name = "a", Status = "RUNNING", Endpoint = "http://s" }, new ManagedJob { JobId = 2, Name = "b", Status = "PENDING", Endpoint = "http://s" }]);
        JobHistory.Remember(env, [new ManagedJob { JobId = 2, Name = "b", Status = "SUCCEEDED", Endpoint = "http://s" }]);

        JobHistory.Read(env).Select(e => (e.JobId, e.Status)).Should().Equal((2L, "SUCCEEDED"), (1L, "RUNNING"));
    }
}

[JsonSerializable(typeof(StateList<StateListTests.Item>.Model), TypeInfoPropertyName = "ItemList")]
internal sealed partial class TestStateJson : JsonSerializerContext
{
}
