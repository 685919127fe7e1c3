using SkyPilot.Core;
using SkyPilot.Core.Jobs;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Jobs;

/// <summary>The dotenv reading and the null rules of <see cref="TaskVariables"/>; the cmdlet's use is tested through the engine.</summary>
public sealed class TaskVariablesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private SkyEnvironment Env(params (string Name, string Value)[] variables) =>
        new(variables.ToDictionary(v => v.Name, v => v.Value), _temp.Path, isWindows: false);

    [Fact]
    public void A_dotenv_file_reads_as_python_dotenv_does()
    {
        var values = DotEnvFile.Parse("# comment\n\nexport A=1\nB = two words # note\nC='single # kept \\n'\nD=\"line\\nnext \\\"q\\\"\"\nA=later\nE=\n", "x.env");

        values.Should().Equal(new Dictionary<string, string>
        {
            ["A"] = "later",
            ["B"] = "two words",
            ["C"] = "single # kept \\n",
            ["D"] = "line\nnext \"q\"",
            ["E"] = string.Empty,
        });
    }

    [Theory]
    [InlineData("JUST_A_NAME\n", "x.env:1")]
    [InlineData("OK=1\n1BAD=secret-value\n", "x.env:2")]
    public void A_line_that_is_not_NAME_value_is_an_error_naming_the_line_not_its_content(string text, string where)
    {
        var error = Assert.Throws<TaskVariablesException>(() => DotEnvFile.Parse(text, "x.env"));

        error.ErrorId.Should().Be("InvalidEnvFile");
        error.Message.Should().Contain(where).And.NotContain("secret-value");
    }

    [Theory]
    [InlineData("A:\n", true)]
    [InlineData("A: ~\n", true)]
    [InlineData("A: null\n", true)]
    [InlineData("A: \"\"\n", false)]
    [InlineData("A: ''\n", false)]
    [InlineData("A: \"null\"\n", false)]
    public void Only_a_value_less_entry_is_required(string entry, bool required)
    {
        var task = TaskParser.Parse("envs:\n  " + entry + "run: echo\n", _temp.Combine("t.yaml"), _temp.Path);

        var apply = () => TaskVariables.None.ApplyTo(task);

        if (required)
        {
            apply.Should().Throw<TaskVariablesException>().Which.Message.Should().Contain("A (envs)");
        }
        else
        {
            apply.Should().NotThrow();
        }
    }

    [Fact]
    public void Parameters_override_the_env_file_which_overrides_the_task_in_every_task_of_a_pipeline()
    {
        var file = _temp.WriteFile("v.env", "B=file\nC=file\n");
        var task = TaskParser.Parse("name: p\n---\nenvs:\n  A: task\n  B: task\nrun: a\n---\nrun: b\n", _temp.Combine("t.yaml"), _temp.Path);

        var applied = TaskVariables.Resolve([new("C", "param")], file, [new("S", null)], Env(("S", "from-env"))).ApplyTo(task);

        applied.Tasks[0].Envs.Should().Equal(new Dictionary<string, string> { ["A"] = "task", ["B"] = "file", ["C"] = "param" });
        applied.Tasks[1].Envs.Should().Equal(new Dictionary<string, string> { ["B"] = "file", ["C"] = "param" });
        applied.Tasks.Should().OnlyContain(t => t.SecretNames.SequenceEqual(new[] { "S" }));
        var yaml = TaskRewriter.ToServerYaml(applied, null);
        yaml.Should().Contain("S: \"from-env\"").And.Contain("name: p");
    }

    [Fact]
    public void A_secret_name_missing_from_the_environment_is_an_error_naming_it()
    {
        var error = Assert.Throws<TaskVariablesException>(() => TaskVariables.Resolve(null, null, [new("HF_TOKEN", null)], Env()));

        error.ErrorId.Should().Be("SecretNotInEnvironment");
        error.Target.Should().Be("HF_TOKEN");
    }
}
