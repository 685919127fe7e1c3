using System.Collections.Generic;
using SkyPilot.Core.Checks;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>How a context authenticates.</summary>
    internal enum KubeAuthKind
    {
        None,
        Token,
        TokenFile,
        ClientCertificate,
        Basic,
        Exec,
        AuthProvider,
        ServiceAccount,
    }

    /// <summary>An exec credential plugin as the kubeconfig declares it.</summary>
    internal sealed class KubeExecConfig
    {
        public string ApiVersion { get; set; } = string.Empty;

        public string Command { get; set; } = string.Empty;

        public IReadOnlyList<string> Args { get; set; } = new string[0];

        public IReadOnlyList<KeyValuePair<string, string>> Env { get; set; } = new KeyValuePair<string, string>[0];

        public string? InstallHint { get; set; }

        public bool ProvideClusterInfo { get; set; }

        /// <summary>The program's file name without folder or extension, e.g. <c>gke-gcloud-auth-plugin</c>, <c>aws</c>.</summary>
        public string Program => System.IO.Path.GetFileNameWithoutExtension(Command.Replace('\\', '/').Substring(Command.Replace('\\', '/').LastIndexOf('/') + 1));

        /// <summary>The command line without env values (which may hold secrets).</summary>
        public string DisplayCommand => (Program + " " + string.Join(" ", Args)).Trim();
    }

    /// <summary>
    /// One allowed context resolved from the kubeconfig (or the in-cluster service account): where its API server is,
    /// how to trust it, and the credential content read at resolution, so the check uses exactly what was fingerprinted.
    /// </summary>
    internal sealed class KubeTarget
    {
        public string Name { get; set; } = string.Empty;

        public bool InCluster { get; set; }

        public string? ClusterName { get; set; }

        public string? UserName { get; set; }

        public string? Server { get; set; }

        /// <summary>The trusted CA certificates (PEM or DER), from <c>certificate-authority(-data)</c> or <c>ca.crt</c>.</summary>
        public byte[]? CaData { get; set; }

        public bool InsecureSkipTlsVerify { get; set; }

        public string? TlsServerName { get; set; }

        public string? ProxyUrl { get; set; }

        public string Namespace { get; set; } = "default";

        public KubeAuthKind Auth { get; set; }

        /// <summary>A static bearer token (literal, token file content, or service-account token).</summary>
        public string? Token { get; set; }

        /// <summary>Where the token came from: the token file's path, when there is one.</summary>
        public string? TokenFile { get; set; }

        public byte[]? ClientCertificate { get; set; }

        public byte[]? ClientKey { get; set; }

        public string? Username { get; set; }

        public string? Password { get; set; }

        public KubeExecConfig? Exec { get; set; }

        public string? AuthProviderName { get; set; }

        public string? AuthProviderIdToken { get; set; }

        /// <summary>The kubeconfig file that defined the user, or the service-account folder.</summary>
        public string? CredentialFile { get; set; }

        /// <summary>The account the credential names locally (a certificate's CN, a JWT's <c>sub</c>), when it does.</summary>
        public string? LocalAccount { get; set; }

        /// <summary>Keyed digest of everything that defines the context: server, trust, namespace, credential content.</summary>
        public string Digest { get; set; } = string.Empty;

        /// <summary>Keyed digest of the credential alone.</summary>
        public string CredentialDigest { get; set; } = string.Empty;

        public CheckStatus? ProblemStatus { get; set; }

        public string? Problem { get; set; }

        public string? Hint { get; set; }

        public string CredentialType
        {
            get
            {
                switch (Auth)
                {
                    case KubeAuthKind.Token: return "token";
                    case KubeAuthKind.TokenFile: return "token_file";
                    case KubeAuthKind.ClientCertificate: return "client_certificate";
                    case KubeAuthKind.Basic: return "basic";
                    case KubeAuthKind.Exec: return "exec:" + Exec!.Program;
                    case KubeAuthKind.AuthProvider: return "auth_provider:" + AuthProviderName;
                    case KubeAuthKind.ServiceAccount: return "service_account";
                    default: return "none";
                }
            }
        }
    }
}
