using System;
using System.Linq;
using SkyPilot.Core.Gcp;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>
    /// The identity an exec plugin will present, from local inputs only: <c>gke-gcloud-auth-plugin</c> acts as gcloud's
    /// account (the GCP fingerprint), <c>aws eks get-token</c> as the AWS profile and environment (the AWS fingerprint). For any other plugin
    /// the command line and env in the kubeconfig are all that is known (they are part of the user entry's digest).
    /// </summary>
    internal static class ExecPluginIdentity
    {
        public static bool IsGke(KubeExecConfig exec) => exec.Program == "gke-gcloud-auth-plugin";

        public static bool IsAws(KubeExecConfig exec) =>
            exec.Program == "aws-iam-authenticator" || (exec.Program == "aws" && exec.Args.Contains("eks") && exec.Args.Contains("get-token"));

        /// <summary>The environment the plugin runs in: the user's, with the exec block's <c>env</c> on top.</summary>
        public static SkyEnvironment PluginEnvironment(SkyEnvironment env, KubeExecConfig exec) =>
            env.With(exec.Env.Select(p => (p.Key, (string?)p.Value)).ToArray());

        public static string Fingerprint(SkyEnvironment env, KubeExecConfig exec)
        {
            var pluginEnv = PluginEnvironment(env, exec);
            if (IsGke(exec))
            {
                try
                {
                    return "gcp:" + GcpIdentityResolver.Resolve(pluginEnv).Fingerprint;
                }
                catch (Exception e) when (!(e is OutOfMemoryException))
                {
                    return "gcp:<unresolved:" + e.GetType().Name + ">";
                }
            }

            if (IsAws(exec))
            {
                try
                {
                    return "aws:" + Aws.AwsIdentityResolver.Resolve(pluginEnv, DateTimeOffset.UtcNow).Identity.Fingerprint;
                }
                catch (Exception e) when (!(e is OutOfMemoryException))
                {
                    return "aws:<unresolved:" + e.GetType().Name + ">";
                }
            }

            return "command";
        }
    }
}
