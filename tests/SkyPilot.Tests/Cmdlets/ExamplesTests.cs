using SkyPilot.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SkyPilot.Tests.Cmdlets;

/// <summary>The CI examples users copy must at least be valid YAML that fails the step on any error.</summary>
public sealed class ExamplesTests
{
    [Theory]
    [InlineData("github-actions-submit.yml")]
    [InlineData("azure-pipelines-submit.yml")]
    public void Each_CI_example_parses_and_submits_with_ErrorAction_Stop(string name)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "examples", name));
        var stream = new YamlStream();

        stream.Load(new StringReader(text));

        stream.Documents.Should().ContainSingle();
        text.Should().Contain("Test-SkyCloud").And.Contain("Submit-SkyJob").And.Contain("-Wait -ErrorAction Stop")
            .And.Contain("SKYPILOT_SERVICE_ACCOUNT_TOKEN");
    }
}
