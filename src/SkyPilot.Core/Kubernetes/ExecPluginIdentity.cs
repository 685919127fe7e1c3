using System;
using System.Linq;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>
    /// The identity an exec plugin will present, from local inputs only: <c>gke-gcloud-auth-plugin</c> acts as gcloud's
    /// account (the GCP fingerprint), <c>aws eks get-token</c> as the AWS profile and environment. For any other plugin
    /// the command line and env in the kubeconfig are all that is known (they are part of the user entry's digest).
    /// </summary>
    internal static class ExecPluginIdentity
    {
        private static readonly string[] AwsVariables =
        {
            "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
        };

        private static readonly string[] AwsSecretVariables = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" };

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
                return "aws:" + AwsFingerprint(pluginEnv);
            }

            return "command";
        }

        /// <summary>The AWS inputs the CLI reads: profile and region variables, key variables (keyed), and the config and credentials files (keyed).</summary>
        private static string AwsFingerprint(SkyEnvironment env)
        {
            var builder = new FingerprintBuilder();
            foreach (var name in AwsVariables)
            {
                builder.Add("env:" + name, env.Get(name));
            }

            foreach (var name in AwsSecretVariables)
            {
                var value = env.Get(name);
                builder.Add("env:" + name, value is null ? null : FingerprintKey.KeyedDigest(env, value));
            }

            var awsDirectory = System.IO.Path.Combine(env.HomeDirectory, ".aws");
            foreach (var (name, path) in new[]
            {
                ("config", env.Get("AWS_CONFIG_FILE") is string c ? env.ExpandHome(c) : System.IO.Path.Combine(awsDirectory, "config")),
                ("credentials", env.Get("AWS_SHARED_CREDENTIALS_FILE") is string k ? env.ExpandHome(k) : System.IO.Path.Combine(awsDirectory, "credentials")),
            })
            {
                byte[]? content;
                try
                {
                    content = Internal.SmallFile.TryRead(path);
                }
                catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
                {
                    content = null;
                }

                builder.Add("file:" + name, path + "|" + (content is null ? "<missing>" : FingerprintKey.KeyedDigest(env, Convert.ToBase64String(content))));
            }

            return builder.Build();
        }
    }
}
