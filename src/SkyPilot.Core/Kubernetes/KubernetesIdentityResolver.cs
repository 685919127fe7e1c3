using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>Everything resolved locally for a Kubernetes check: the allowed contexts, each with its credential content.</summary>
    internal sealed class KubernetesResolution
    {
        public KubernetesResolution(IReadOnlyList<KubeTarget> targets)
        {
            Targets = targets;
        }

        public IReadOnlyList<KubeTarget> Targets { get; }
    }

    /// <summary>
    /// The Kubernetes identity from the kubeconfig's content, not its names (SkyPilot #8785): the allowed contexts as
    /// SkyPilot picks them, and for each the server, trust settings, namespace and credential content.
    /// Local only: exec plugins are not run here; their own identity (gcloud's, AWS') is folded in instead.
    /// </summary>
    internal static class KubernetesIdentityResolver
    {
        public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

        public const string NoContextProblem = "No available context found in kubeconfig. Check if you have a valid kubeconfig file";

        public static (CloudIdentity Identity, KubernetesResolution Resolution) Resolve(SkyEnvironment env, DateTimeOffset now, string serviceAccountDirectory = DefaultServiceAccountDirectory)
        {
            var config = SkyConfig.Load(env);
            var kubeconfig = Kubeconfig.Load(env);
            var warnings = new List<string>(kubeconfig.Problems);
            if (config.Warning != null)
            {
                warnings.Add(config.Warning);
            }

            var inCluster = File.Exists(Path.Combine(serviceAccountDirectory, "token"));
            var inClusterName = env.Get("SKYPILOT_IN_CLUSTER_CONTEXT_NAME") ?? "in-cluster";
            var all = kubeconfig.Contexts.Select(c => c.Name).Where(n => !n.StartsWith("ssh-", StringComparison.Ordinal)).ToList();
            if (inCluster)
            {
                all.Add(inClusterName);
            }

            var (allowed, allowedSource) = AllowedContexts(config);
            var stale = (string?)null;
            if (allowed is null)
            {
                var current = kubeconfig.CurrentContext;
                if ((current is null || current.StartsWith("ssh-", StringComparison.Ordinal)) && inCluster)
                {
                    current = inClusterName;
                }

                if (current != null && !all.Contains(current))
                {
                    stale = current;
                }

                allowed = current is null ? new string[0] : new[] { current };
            }

            var existing = allowed.Where(all.Contains).Distinct().ToList();
            var skipped = allowed.Where(a => !all.Contains(a) && !a.StartsWith("ssh-", StringComparison.Ordinal) && a != stale).ToList();
            if (skipped.Count > 0)
            {
                warnings.Add("Kubernetes contexts " + string.Join(", ", skipped.Select(s => "'" + s + "'")) + " named in " + allowedSource + " are not in the kubeconfig; ignoring them");
            }

            var targets = existing
                .Select(name => name == inClusterName && inCluster && kubeconfig.Context(name) is null
                    ? InClusterTarget(env, name, serviceAccountDirectory)
                    : ContextTarget(env, kubeconfig, kubeconfig.Context(name)!))
                .ToList();

            var fingerprint = new FingerprintBuilder()
                .Add("cloud", KnownClouds.Kubernetes)
                .Add("kubeconfig_files", string.Join(";", Kubeconfig.Paths(env)))
                .Add("current_context", kubeconfig.CurrentContext)
                .Add("allowed_contexts", string.Join(";", allowed))
                .Add("in_cluster", inCluster ? inClusterName : null)
                .Add("contexts", string.Join(";", targets.Select(t => t.Name + "=" + t.Digest)))
                .Build();

            var (problemStatus, problem, hint) = FindProblem(kubeconfig, targets, stale, inCluster);
            var single = targets.Count == 1 ? targets[0] : null;
            var identity = new CloudIdentity
            {
                Cloud = KnownClouds.Kubernetes,
                Account = Same(targets.Select(t => t.LocalAccount)),
                Project = Same(targets.Select(t => (string?)t.Namespace)),
                ProjectSource = single is null ? null : "context '" + single.Name + "'",
                Configuration = targets.Count == 0 ? null : string.Join(", ", targets.Select(t => t.Name)),
                Endpoint = targets.Count == 0 ? null : string.Join(", ", targets.Select(t => t.Server ?? "(no server)")),
                CredentialSource = targets.Count == 0 ? null : string.Join(", ", targets.Select(t => t.CredentialFile).Where(f => f != null).Distinct()),
                CredentialSourceKind = single?.InCluster == true ? "in-cluster service account" : kubeconfig.FromVariable ? "KUBECONFIG" : "~/.kube/config",
                CredentialType = targets.Count == 0 ? "none" : string.Join(", ", targets.Select(t => t.CredentialType).Distinct()),
                CanExpire = targets.Any(t => t.Auth == KubeAuthKind.Exec || t.Auth == KubeAuthKind.AuthProvider || JwtClaims.Expiry(t.Token) != null),
                CredentialExpiresAt = targets.Select(t => JwtClaims.Expiry(t.Token)).Where(e => e != null).OrderBy(e => e).FirstOrDefault(),
                CredentialDigest = targets.Count == 0 ? null : FingerprintBuilder.Digest(System.Text.Encoding.UTF8.GetBytes(string.Join(";", targets.Select(t => t.CredentialDigest))), 12),
                Fingerprint = fingerprint,
                ProblemStatus = problemStatus,
                Problem = problem,
                Hint = hint,
                Warnings = warnings,
                ResolvedAt = now,
            };
            return (identity, new KubernetesResolution(targets));
        }

        /// <summary>The active workspace's <c>kubernetes.allowed_contexts</c> over the global one, as SkyPilot reads them.</summary>
        private static (IReadOnlyList<string>? Allowed, string Source) AllowedContexts(SkyConfig config)
        {
            var workspace = config.GetString("active_workspace") ?? "default";
            var fromWorkspace = config.GetStringList("workspaces", workspace, "kubernetes", "allowed_contexts");
            return fromWorkspace != null
                ? (fromWorkspace, "workspaces." + workspace + ".kubernetes.allowed_contexts")
                : (config.GetStringList("kubernetes", "allowed_contexts"), "kubernetes.allowed_contexts");
        }

        private static (CheckStatus?, string?, string?) FindProblem(Kubeconfig kubeconfig, IReadOnlyList<KubeTarget> targets, string? stale, bool inCluster)
        {
            if (targets.Count > 0)
            {
                var usable = targets.FirstOrDefault(t => t.ProblemStatus is null);
                if (usable != null)
                {
                    return (null, null, null);
                }

                var first = targets[0];
                return (first.ProblemStatus, (targets.Count > 1 ? "context " + first.Name + ": " : string.Empty) + first.Problem, first.Hint);
            }

            if (stale != null)
            {
                return (CheckStatus.ConfigurationError, "the kubeconfig's current-context '" + stale + "' names a context it does not define", "Pick an existing context: kubectl config get-contexts, then kubectl config use-context NAME.");
            }

            if (kubeconfig.ReadFiles.Count == 0 && !inCluster)
            {
                var looked = string.Join(", ", kubeconfig.Files.Select(f => f.Substring(0, f.LastIndexOf('|'))));
                return kubeconfig.Problems.Count > 0
                    ? (CheckStatus.ConfigurationError, "Invalid configuration file: " + kubeconfig.Problems[0], "Fix or replace the kubeconfig file, then retry.")
                    : (CheckStatus.NoCredentials, NoContextProblem + " (no kubeconfig at " + looked + ")", "Get a kubeconfig for your cluster (e.g. gcloud container clusters get-credentials, aws eks update-kubeconfig) or set KUBECONFIG.");
            }

            if (kubeconfig.Problems.Count > 0 && kubeconfig.Contexts.Count == 0)
            {
                return (CheckStatus.ConfigurationError, "Invalid configuration file: " + kubeconfig.Problems[0], "Fix or replace the kubeconfig file, then retry.");
            }

            return (CheckStatus.NoCredentials, NoContextProblem, kubeconfig.CurrentContext is null && kubeconfig.Contexts.Count > 0
                ? "Set a current context: kubectl config use-context NAME (or list contexts in kubernetes.allowed_contexts of ~/.sky/config.yaml)."
                : "Add a context to the kubeconfig, or fix kubernetes.allowed_contexts in ~/.sky/config.yaml.");
        }

        private static KubeTarget ContextTarget(SkyEnvironment env, Kubeconfig kubeconfig, KubeconfigEntry context)
        {
            var target = new KubeTarget
            {
                Name = context.Name,
                ClusterName = context.Get("cluster"),
                UserName = context.Get("user"),
                Namespace = context.Get("namespace") ?? "default",
            };
            var cluster = target.ClusterName is null ? null : kubeconfig.Clusters.TryGetValue(target.ClusterName, out var c) ? c : null;
            var user = target.UserName is null ? null : kubeconfig.Users.TryGetValue(target.UserName, out var u) ? u : null;
            var contentParts = new List<string> { "context:" + context.Canonical(), "cluster:" + Kubeconfig.Canonical(cluster?.Body), "user:" + Kubeconfig.Canonical(user?.Body) };
            var credentialParts = new List<string> { "user:" + Kubeconfig.Canonical(user?.Body) };
            try
            {
                if (cluster is null)
                {
                    Fail(target, CheckStatus.ConfigurationError, "context '" + context.Name + "' names cluster '" + target.ClusterName + "', which the kubeconfig does not define", "Fix the context: kubectl config set-context " + context.Name + " --cluster=NAME");
                }
                else
                {
                    ReadCluster(target, cluster, contentParts);
                }

                if (user != null)
                {
                    ReadUser(env, target, user, credentialParts);
                }
                else if (target.UserName != null)
                {
                    Fail(target, CheckStatus.ConfigurationError, "context '" + context.Name + "' names user '" + target.UserName + "', which the kubeconfig does not define", "Fix the context: kubectl config set-context " + context.Name + " --user=NAME");
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException)
            {
                Fail(target, CheckStatus.ConfigurationError, "Invalid configuration file: " + e.Message, "Fix the file named in the reason, or the path to it in the kubeconfig.");
            }

            contentParts.AddRange(credentialParts);
            target.Digest = FingerprintKey.KeyedDigest(env, string.Join("\n", contentParts));
            target.CredentialDigest = FingerprintKey.KeyedDigest(env, string.Join("\n", credentialParts), 12);
            return target;
        }

        private static void ReadCluster(KubeTarget target, KubeconfigEntry cluster, List<string> parts)
        {
            target.Server = cluster.Get("server")?.TrimEnd('/');
            target.InsecureSkipTlsVerify = string.Equals(cluster.Get("insecure-skip-tls-verify"), "true", StringComparison.OrdinalIgnoreCase);
            target.TlsServerName = cluster.Get("tls-server-name");
            target.ProxyUrl = cluster.Get("proxy-url");
            if (cluster.Get("certificate-authority-data") is string caData)
            {
                target.CaData = Convert.FromBase64String(caData.Trim());
            }
            else if (cluster.Path("certificate-authority") is string caFile)
            {
                target.CaData = ReadRequired(caFile, "certificate-authority");
                parts.Add("ca_file:" + FingerprintBuilder.Digest(target.CaData));
            }

            if (target.Server is null)
            {
                Fail(target, CheckStatus.ConfigurationError, "cluster '" + cluster.Name + "' has no server", "Set it: kubectl config set-cluster " + cluster.Name + " --server=https://HOST:PORT");
            }
        }

        private static void ReadUser(SkyEnvironment env, KubeTarget target, KubeconfigEntry user, List<string> parts)
        {
            target.CredentialFile = user.File;
            if (user.Get("client-certificate-data") is string certData)
            {
                target.ClientCertificate = Convert.FromBase64String(certData.Trim());
            }
            else if (user.Path("client-certificate") is string certFile)
            {
                target.ClientCertificate = ReadRequired(certFile, "client-certificate");
                parts.Add("cert_file:" + FingerprintBuilder.Digest(target.ClientCertificate));
            }

            if (user.Get("client-key-data") is string keyData)
            {
                target.ClientKey = Convert.FromBase64String(keyData.Trim());
            }
            else if (user.Path("client-key") is string keyFile)
            {
                target.ClientKey = ReadRequired(keyFile, "client-key");
                parts.Add("key_file:" + FingerprintBuilder.Digest(target.ClientKey));
            }

            target.Token = user.Get("token");
            if (user.Path("tokenFile") is string tokenFile)
            {
                target.TokenFile = tokenFile;
                target.Token = System.Text.Encoding.UTF8.GetString(ReadRequired(tokenFile, "tokenFile")).Trim();
                parts.Add("token_file:" + target.Token);
            }

            target.Username = user.Get("username");
            target.Password = user.Get("password");
            target.Exec = ReadExec(user);
            if (user.Node("auth-provider") is YamlDotNet.RepresentationModel.YamlMappingNode provider)
            {
                var entry = new KubeconfigEntry("auth-provider", provider, user.File);
                target.AuthProviderName = entry.Get("name");
                target.AuthProviderIdToken = entry.Node("config") is YamlDotNet.RepresentationModel.YamlMappingNode cfg ? new KubeconfigEntry("config", cfg, user.File).Get("id-token") : null;
            }

            target.Auth = target.Exec != null ? KubeAuthKind.Exec
                : target.AuthProviderName != null ? KubeAuthKind.AuthProvider
                : target.TokenFile != null ? KubeAuthKind.TokenFile
                : target.Token != null ? KubeAuthKind.Token
                : target.ClientCertificate != null ? KubeAuthKind.ClientCertificate
                : target.Username != null ? KubeAuthKind.Basic
                : KubeAuthKind.None;

            if (target.Exec != null)
            {
                parts.Add("exec_identity:" + ExecPluginIdentity.Fingerprint(env, target.Exec));
            }

            target.LocalAccount = JwtClaims.Subject(target.Token) ?? CertificateSubject(target.ClientCertificate);
        }

        private static KubeExecConfig? ReadExec(KubeconfigEntry user)
        {
            if (!(user.Node("exec") is YamlDotNet.RepresentationModel.YamlMappingNode node))
            {
                return null;
            }

            var exec = new KubeconfigEntry("exec", node, user.File);
            var command = exec.Get("command") ?? string.Empty;
            if (command.IndexOf('/') >= 0 || command.IndexOf('\\') >= 0)
            {
                command = exec.ResolvePath(command); // client-go resolves a command with a path separator against the kubeconfig's folder
            }

            return new KubeExecConfig
            {
                ApiVersion = exec.Get("apiVersion") ?? "client.authentication.k8s.io/v1",
                Command = command,
                Args = exec.Node("args") is YamlDotNet.RepresentationModel.YamlSequenceNode args
                    ? args.Children.OfType<YamlDotNet.RepresentationModel.YamlScalarNode>().Select(a => a.Value ?? string.Empty).ToList()
                    : new List<string>(),
                Env = exec.Node("env") is YamlDotNet.RepresentationModel.YamlSequenceNode envs
                    ? envs.Children.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()
                        .Select(e => new KubeconfigEntry("env", e, user.File))
                        .Where(e => e.Get("name") != null)
                        .Select(e => new KeyValuePair<string, string>(e.Get("name")!, e.Get("value") ?? string.Empty)).ToList()
                    : new List<KeyValuePair<string, string>>(),
                InstallHint = exec.Get("installHint"),
                ProvideClusterInfo = string.Equals(exec.Get("provideClusterInfo"), "true", StringComparison.OrdinalIgnoreCase),
            };
        }

        private static KubeTarget InClusterTarget(SkyEnvironment env, string name, string directory)
        {
            var host = env.Get("KUBERNETES_SERVICE_HOST") ?? "kubernetes.default.svc";
            var port = env.Get("KUBERNETES_SERVICE_PORT") ?? "443";
            var target = new KubeTarget
            {
                Name = name,
                InCluster = true,
                Server = "https://" + (host.IndexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port,
                Auth = KubeAuthKind.ServiceAccount,
                CredentialFile = directory,
            };
            var parts = new List<string> { "server:" + target.Server };
            try
            {
                target.Token = File.ReadAllText(Path.Combine(directory, "token")).Trim();
                target.CaData = Internal.SmallFile.TryRead(Path.Combine(directory, "ca.crt"));
                var ns = Internal.SmallFile.TryRead(Path.Combine(directory, "namespace"));
                target.Namespace = ns is null ? "default" : System.Text.Encoding.UTF8.GetString(ns).Trim();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Fail(target, CheckStatus.ConfigurationError, "cannot read the service account in " + directory + ": " + e.Message, "Check the pod's service-account token mount.");
            }

            // Projected tokens rotate every hour: the account they name is the identity, not their bytes.
            var subject = JwtClaims.Subject(target.Token);
            var credential = subject != null ? "sa:" + subject + "|" + JwtClaims.Issuer(target.Token) : "token:" + target.Token;
            target.LocalAccount = subject;
            parts.Add("ca:" + (target.CaData is null ? "<missing>" : FingerprintBuilder.Digest(target.CaData)));
            parts.Add("namespace:" + target.Namespace);
            parts.Add(credential);
            target.Digest = FingerprintKey.KeyedDigest(env, string.Join("\n", parts));
            target.CredentialDigest = FingerprintKey.KeyedDigest(env, credential, 12);
            return target;
        }

        private static byte[] ReadRequired(string path, string field)
        {
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                throw new IOException("the " + field + " file " + path + " does not exist", e);
            }
        }

        private static string? CertificateSubject(byte[]? certificate)
        {
            if (certificate is null)
            {
                return null;
            }

            try
            {
                using (var cert = KubeTls.ParseCertificates(certificate).FirstOrDefault())
                {
                    return cert?.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
                }
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                return null;
            }
        }

        private static void Fail(KubeTarget target, CheckStatus status, string problem, string hint)
        {
            if (target.ProblemStatus is null)
            {
                target.ProblemStatus = status;
                target.Problem = problem;
                target.Hint = hint;
            }
        }

        private static string? Same(IEnumerable<string?> values)
        {
            var distinct = values.Distinct().ToList();
            return distinct.Count == 1 ? distinct[0] : null;
        }
    }
}
