using SkyPilot.PowerShell.Tests.Support;

namespace SkyPilot.PowerShell.Tests.Cmdlets;

/// <summary>
/// The staged help documents every cloud the cmdlets check: what AWS and Kubernetes check, with which permissions, how
/// the identity is resolved, and the hints, as Get-Help shows them through the real engine.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class CloudHelpTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    private string Help(string script) => string.Join("\n", _session.Run(script).ShouldSucceed().Output.Select(o => o.ToString()));

    [Theory]
    [InlineData("Test-SkyCloud")]
    [InlineData("Get-SkyCloudIdentity")]
    [InlineData("Get-SkyCache")]
    [InlineData("Clear-SkyCache")]
    public void The_Cloud_parameter_names_every_supported_cloud(string cmdlet)
    {
        var text = Help("Get-Help " + cmdlet + " -Parameter Cloud | Out-String -Width 200");

        text.Should().Contain("aws, gcp, kubernetes (or k8s) or nebius");
    }

    [Fact]
    public void Test_SkyCloud_help_says_what_AWS_and_Kubernetes_check_and_how_the_identity_is_resolved()
    {
        var text = Help("Get-Help Test-SkyCloud -Full | Out-String -Width 4000");

        text.Should().Contain("AWS_DEFAULT_PROFILE, else AWS_PROFILE")
            .And.Contain("aws.profile")
            .And.Contain("ec2:RunInstances")
            .And.Contain("launch permission not verified")
            .And.Contain("s3:ListAllMyBuckets")
            .And.Contain("run: aws sso login --profile NAME")
            .And.Contain("kubectl auth can-i")
            .And.Contain("SelfSubjectAccessReview")
            .And.Contain("NotApplicable");
    }

    [Fact]
    public void Get_SkyCloudIdentity_help_and_the_troubleshooting_topic_cover_AWS_and_Kubernetes()
    {
        var identity = Help("Get-Help Get-SkyCloudIdentity -Full | Out-String -Width 4000");
        var troubleshooting = Help("Get-Help about_SkyPilot_Troubleshooting | Out-String -Width 200");

        identity.Should().Contain("AWS_DEFAULT_PROFILE comes before AWS_PROFILE").And.Contain("For Kubernetes the identity");
        troubleshooting.Should().Contain("AWS: CredentialsExpired").And.Contain("aws sso login --profile X").And.Contain("Kubernetes: MissingPermissions");
    }

    [Fact]
    public void Submit_SkyJob_help_says_AWS_and_Kubernetes_compute_is_prechecked_and_files_are_staged_to_S3_and_Nebius()
    {
        var text = Help("Get-Help Submit-SkyJob -Full | Out-String -Width 4000");

        text.Should().Contain("AWS for `infra: aws…`")
            .And.Contain("Kubernetes for `infra: k8s…`")
            .And.Contain("for s3:// (the active AWS identity) and nebius:// (the `nebius` AWS profile and its `endpoint_url`)")
            .And.Contain("multipart uploads on S3 and Nebius")
            .And.NotContain("such as kubernetes or aws")
            .And.NotContain("this module stages files to Cloud Storage only");
    }

    [Fact]
    public void Get_SkyCache_help_shows_the_AWS_and_Kubernetes_reasons_an_entry_is_not_served()
    {
        var text = Help("Get-Help Get-SkyCache -Full | Out-String -Width 4000");

        text.Should().Contain("profile changed: dev → prod").And.Contain("context server changed: https://old → https://new");
    }
}
