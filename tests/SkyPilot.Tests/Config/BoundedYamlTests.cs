using System.Diagnostics;
using System.Text;
using SkyPilot.Core;
using SkyPilot.Core.Config;
using SkyPilot.Core.Jobs;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Config;

/// <summary>YAML that would take the host down (deep nesting, alias bombs, huge files) is a clear error in milliseconds.</summary>
public sealed class BoundedYamlTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string DeepList(int depth) => "run: echo\nenvs: {A: " + new string('[', depth) + new string(']', depth) + "}\n";

    private static string DeepMaps(int depth)
    {
        var text = new StringBuilder("run: echo\nresources:\n  accelerators: ");
        for (var i = 0; i < depth; i++)
        {
            text.Append("{a: ");
        }

        text.Append('1').Append('}', depth).Append('\n');
        return text.ToString();
    }

    /// <summary>9 levels of 10 aliases each: 10^9 nodes from a few hundred bytes.</summary>
    private static string BillionLaughs()
    {
        var text = new StringBuilder("run: echo\nx0: &a0 [lol]\n");
        for (var i = 1; i <= 9; i++)
        {
            text.Append("x").Append(i).Append(": &a").Append(i).Append(" [").Append(string.Join(", ", Enumerable.Repeat("*a" + (i - 1), 10))).Append("]\n");
        }

        return text.Append("envs: {A: *a9}\n").ToString();
    }

    private TaskFileException ParseFails(string yaml)
    {
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<TaskFileException>(() => TaskParser.Parse(yaml, _temp.Combine("task.yaml"), _temp.Path));
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "a bound is checked before any expansion");
        return error;
    }

    [Theory]
    [InlineData(40_000)]
    [InlineData(65)]
    public void Deeply_nested_lists_are_an_invalid_task_with_the_line_not_a_stack_overflow(int depth)
    {
        var error = ParseFails(DeepList(depth));

        error.Line.Should().Be(2);
        error.Message.Should().Contain("task.yaml:2").And.Contain("nested more than 64 levels");
    }

    [Fact]
    public void Deeply_nested_maps_are_an_invalid_task()
    {
        ParseFails(DeepMaps(100_000)).Message.Should().Contain("nested more than 64 levels");
    }

    [Fact]
    public void Nesting_within_the_bound_is_parsed()
    {
        var task = TaskParser.Parse("run: echo\nconfig: " + new string('[', 60) + new string(']', 60) + "\n", _temp.Combine("task.yaml"), _temp.Path);
        task.Tasks.Should().ContainSingle();
    }

    [Fact]
    public void An_alias_bomb_is_an_invalid_task_in_milliseconds()
    {
        var yaml = BillionLaughs();
        yaml.Length.Should().BeLessThan(700);

        ParseFails(yaml).Message.Should().Contain("aliases expand the document to more than");
    }

    [Fact]
    public void Ordinary_aliases_are_fine()
    {
        var task = TaskParser.Parse("run: echo\nx: &common {A: '1', B: '2'}\nenvs: *common\n".Replace("x: &common", "config: &common"), _temp.Combine("task.yaml"), _temp.Path);
        task.Tasks.Single().Envs.Should().ContainKey("A");
    }

    [Fact]
    public void A_task_file_larger_than_the_bound_is_refused_before_it_is_read()
    {
        var path = _temp.Combine("huge.yaml");
        using (var file = File.Create(path))
        {
            file.SetLength(5 * 1024 * 1024);
        }

        var error = Assert.Throws<TaskFileException>(() => TaskParser.ParseFile(path, _temp.Path));

        error.Message.Should().Contain("huge.yaml").And.Contain("at most 4 MB");
    }

    [Fact]
    public void The_skypilot_config_is_bounded_too_and_reported_like_any_invalid_config()
    {
        var home = _temp.Combine("home");
        Directory.CreateDirectory(Path.Combine(home, ".sky"));
        var env = new SkyEnvironment(new Dictionary<string, string>(), home, isWindows: false);
        foreach (var yaml in new[] { "jobs: " + new string('[', 40_000) + new string(']', 40_000) + "\n", BillionLaughs() })
        {
            File.WriteAllText(Path.Combine(home, ".sky", "config.yaml"), yaml);

            var config = SkyConfig.Load(env);

            config.Warning.Should().StartWith("SkyPilot config " + Path.Combine(home, ".sky", "config.yaml") + " is not valid YAML");
            config.ToJson().Should().BeNull();
        }
    }

    [Theory]
    [InlineData("run: [echo]\n", "'run': must be a string")]
    [InlineData("setup: {a: 1}\nrun: echo\n", "'setup': must be a string")]
    [InlineData("run: echo\nenvs: {A: {b: 1}}\n", "'envs.A': must be a single value")]
    [InlineData("run: echo\nenvs: {A: [1, 2]}\n", "'envs.A': must be a single value")]
    public void Values_of_the_wrong_shape_name_the_field(string yaml, string expected)
    {
        Assert.Throws<TaskFileException>(() => TaskParser.Parse(yaml, _temp.Combine("task.yaml"), _temp.Path)).Message.Should().Contain(expected);
    }
}
