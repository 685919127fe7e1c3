namespace SkyPilot.TestKit;

/// <summary>The real kubectl, run with a private HOME and KUBECONFIG: how tests switch contexts and check the fake.</summary>
public sealed class Kubectl(string home, string? kubeconfig = null)
    : CliDriver("kubectl", "kubectl is not on the PATH; install kubectl.", FileNames)
{
    private static readonly string[] FileNames = ["kubectl", "kubectl.exe"];

    public string Home { get; } = home;

    /// <summary>The KUBECONFIG value (a path list), or null for ~/.kube/config under <see cref="Home"/>.</summary>
    public string? Kubeconfig { get; set; } = kubeconfig;

    public static string? Locate() => FindOnPath(FileNames);

    protected override void Configure(IDictionary<string, string?> environment)
    {
        environment["HOME"] = Home;
        environment["USERPROFILE"] = Home;
        environment.Remove("KUBECONFIG");
        if (Kubeconfig != null)
        {
            environment["KUBECONFIG"] = Kubeconfig;
        }
    }
}
