using SkyPilot.Core.Jobs;
using SkyPilot.Core.Storage;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

public sealed class IgnoreRulesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private IReadOnlyList<string> Staged() =>
        StagingPlanner.Plan(TaskParser.Parse("workdir: ./w\nrun: echo\n", _temp.Combine("t.yaml"), _temp.Path), "gs://b", CancellationToken.None)
            .Files.Select(f => f.ObjectName[(f.ObjectName.IndexOf("/workdir/", StringComparison.Ordinal) + 9)..]).OrderBy(n => n, StringComparer.Ordinal).ToList();

    [Fact]
    public void A_thousand_file_workdir_with_skyignore_stages_exactly_the_expected_set()
    {
        var expected = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            var dir = "pkg" + (i % 10);
            var name = (i % 4) switch { 0 => "f" + i + ".py", 1 => "f" + i + ".log", 2 => "f" + i + ".txt", _ => "f" + i + ".bin" };
            var path = i % 25 == 0 ? "build/" + name : i % 33 == 0 ? dir + "/cache/" + name : dir + "/" + name;
            _temp.WriteFile("w/" + path, "x");
            var ignored = path.StartsWith("build/") || path.Contains("/cache/") || (name.EndsWith(".log") && name != "f1.log") || path.EndsWith(".bin") && path.StartsWith("pkg3/");
            if (!ignored)
            {
                expected.Add(path);
            }
        }

        _temp.WriteFile("w/.git/config", "[core]");
        _temp.WriteFile("w/.gitignore", "*.py\n");
        _temp.WriteFile("w/.skyignore", "# comments and blank lines are skipped\n\n/build/\ncache/\n*.log\n!f1.log\npkg3/**/*.bin\n");
        expected.Add(".gitignore");
        expected.Add(".skyignore");

        Staged().Should().Equal(expected.OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void Without_skyignore_gitignore_applies_and_dot_git_is_never_staged()
    {
        _temp.WriteFile("w/main.py", "x");
        _temp.WriteFile("w/venv/lib/site.py", "x");
        _temp.WriteFile("w/.git/HEAD", "ref");
        _temp.WriteFile("w/.gitignore", "venv/\n");

        Staged().Should().Equal(".gitignore", "main.py");
    }

    [Fact]
    public void An_anchored_pattern_matches_only_at_the_root()
    {
        _temp.WriteFile("w/out/a", "x");
        _temp.WriteFile("w/src/out/b", "x");
        _temp.WriteFile("w/.skyignore", "/out\n");

        Staged().Should().Equal(".skyignore", "src/out/b");
    }
}
