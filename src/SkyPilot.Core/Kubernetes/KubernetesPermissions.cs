using System.Collections.Generic;
using System.Linq;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>One access a SkyPilot launch needs in the context's namespace, as <c>kubectl auth can-i</c> names it.</summary>
    internal sealed class KubeAccess
    {
        public KubeAccess(string verb, string resource, string? subresource = null)
        {
            Verb = verb;
            Resource = resource;
            Subresource = subresource;
        }

        public string Verb { get; }

        public string Resource { get; }

        public string? Subresource { get; }

        /// <summary>E.g. <c>create pods/exec</c>, with the resource as a Role's rules name it.</summary>
        public string Name => Verb + " " + Resource + (Subresource is null ? string.Empty : "/" + Subresource);

        /// <summary>The <c>kubectl auth can-i</c> arguments that ask for it (a subresource needs <c>--subresource</c>).</summary>
        public string CanIArguments => Verb + " " + Resource + (Subresource is null ? string.Empty : " --subresource=" + Subresource);
    }

    /// <summary>
    /// The namespaced access SkyPilot's minimum role grants on pods and services (its docs' <c>sky-sa-role</c>: every verb
    /// on pods, pods/status, pods/exec, pods/portforward and services), as the concrete verbs a launch uses.
    /// </summary>
    internal static class KubernetesPermissions
    {
        public static readonly IReadOnlyList<KubeAccess> Required = new[]
        {
            new KubeAccess("create", "pods"),
            new KubeAccess("get", "pods"),
            new KubeAccess("list", "pods"),
            new KubeAccess("watch", "pods"),
            new KubeAccess("patch", "pods"),
            new KubeAccess("delete", "pods"),
            new KubeAccess("get", "pods", "status"),
            new KubeAccess("create", "pods", "exec"),
            new KubeAccess("create", "pods", "portforward"),
            new KubeAccess("create", "services"),
            new KubeAccess("get", "services"),
            new KubeAccess("list", "services"),
            new KubeAccess("patch", "services"),
            new KubeAccess("delete", "services"),
        };

        public static IReadOnlyList<string> Names => Required.Select(a => a.Name).ToList();

        public const string DocsUrl = "https://docs.skypilot.co/en/latest/cloud-setup/cloud-permissions/kubernetes.html";
    }
}
