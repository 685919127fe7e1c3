using System;
using System.Collections.Generic;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Gcp
{
    /// <summary>Everything resolved locally for a GCP check: the identity and the inputs it came from.</summary>
    internal sealed class GcpResolution
    {
        public GcpResolution(CloudIdentity identity, AdcCredential credential, GcloudConfiguration gcloud, SkyConfig skyConfig, SkyEnvironment environment)
        {
            Environment = environment;
            Identity = identity;
            Credential = credential;
            Gcloud = gcloud;
            SkyConfig = skyConfig;
        }

        public SkyEnvironment Environment { get; }

        public CloudIdentity Identity { get; }

        public AdcCredential Credential { get; }

        public GcloudConfiguration Gcloud { get; }

        public SkyConfig SkyConfig { get; }
    }

    /// <summary>
    /// Resolves the GCP identity from files and environment only (no network), in Google's and gcloud's precedence.
    /// </summary>
    public static class GcpIdentityResolver
    {
        /// <summary>Environment variables that change who GCP calls act as, or where they go.</summary>
        private static readonly string[] FingerprintedVariables =
        {
            "CLOUDSDK_CONFIG", "CLOUDSDK_ACTIVE_CONFIG_NAME", "CLOUDSDK_CORE_ACCOUNT", "CLOUDSDK_CORE_PROJECT",
            "GOOGLE_CLOUD_PROJECT", "GOOGLE_APPLICATION_CREDENTIALS", "GCE_METADATA_HOST", "STORAGE_EMULATOR_HOST",
        };

        /// <summary>Resolves the active GCP identity. <paramref name="project"/> overrides every other project source.</summary>
        public static CloudIdentity Resolve(SkyEnvironment env, string? project = null, DateTimeOffset? now = null)
        {
            return ResolveDetailed(env, project, now).Identity;
        }

        /// <summary>
        /// The resolution of this environment snapshot, resolved on first use and then reused: within one cmdlet
        /// invocation the identity that is checked is, by construction, the one that stages and launches.
        /// </summary>
        /// <remarks><paramref name="clock"/> is read by the first call only, the one that resolves.</remarks>
        internal static GcpResolution ResolveOnce(SkyEnvironment env, Func<DateTimeOffset>? clock = null) => env.Once(e => ResolveDetailed(e, null, clock?.Invoke()));

        internal static GcpResolution ResolveDetailed(SkyEnvironment env, string? project = null, DateTimeOffset? now = null)
        {
            var gcloud = GcloudConfiguration.Load(env);
            var credential = AdcCredential.Locate(env, gcloud.ConfigDirectory);
            var skyConfig = SkyConfig.Load(env);

            var (resolvedProject, projectSource) = ResolveProject(env, project, gcloud, credential);
            var warnings = new List<string>();
            var account = credential.ClientEmail ?? StoredAccount(env, credential);
            if (AccountMismatch(account, gcloud.Account) is string mismatch)
            {
                warnings.Add(mismatch);
            }

            if (gcloud.Warning != null)
            {
                warnings.Add(gcloud.Warning);
            }

            if (skyConfig.Warning != null)
            {
                warnings.Add(skyConfig.Warning);
            }

            var (problemStatus, problem, hint) = FindProblem(gcloud, credential, resolvedProject);
            return new GcpResolution(
                new CloudIdentity
                {
                    Cloud = "gcp",
                    Account = account,
                    Project = resolvedProject,
                    ProjectSource = projectSource,
                    CredentialSource = credential.Path ?? (credential.Type == AdcCredential.MetadataServer ? "metadata server" : null),
                    CredentialSourceKind = credential.SourceKind,
                    CredentialType = credential.Type,
                    Configuration = gcloud.Name,
                    GcloudAccount = gcloud.Account,
                    CanExpire = CanExpire(credential, credential.ClientEmail),
                    CredentialDigest = credential.Content is null ? null : FingerprintBuilder.Digest(credential.Content, 12),
                    Fingerprint = Fingerprint(env, gcloud, credential, skyConfig, resolvedProject),
                    ProblemStatus = problemStatus,
                    Problem = problem,
                    Hint = hint,
                    Warnings = warnings,
                    ResolvedAt = now ?? DateTimeOffset.UtcNow,
                },
                credential,
                gcloud,
                skyConfig,
                env);
        }

        /// <summary>
        /// The identity with the account learned from tokeninfo for a credential that names none, and the warning
        /// that gcloud's active account differs from it, if it does.
        /// </summary>
        internal static CloudIdentity WithLearnedAccount(CloudIdentity identity, string account)
        {
            var warnings = new List<string>(identity.Warnings);
            if (AccountMismatch(account, identity.GcloudAccount) is string mismatch && !warnings.Contains(mismatch))
            {
                warnings.Insert(0, mismatch);
            }

            return identity with { Account = account, Warnings = warnings };
        }

        /// <summary>The account remembered for a credential file that names none; local (reads the store file only).</summary>
        private static string? StoredAccount(SkyEnvironment env, AdcCredential credential)
        {
            return credential.AccountIsLearned ? AdcAccountStore.For(env).Find(AdcAccountStore.DigestOf(credential.Content!)) : null;
        }

        private static string? AccountMismatch(string? account, string? gcloudAccount)
        {
            if (account is null || gcloudAccount is null || string.Equals(account, gcloudAccount, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            return "gcloud's active account is " + gcloudAccount + " but the Application Default Credentials act as " + account +
                ": permissions are checked for " + account + ". Run 'gcloud auth application-default login' as " + gcloudAccount +
                ", or point GOOGLE_APPLICATION_CREDENTIALS at that account's key.";
        }

        private static (string?, string?) ResolveProject(SkyEnvironment env, string? explicitProject, GcloudConfiguration gcloud, AdcCredential credential)
        {
            if (!string.IsNullOrEmpty(explicitProject))
            {
                return (explicitProject, "parameter");
            }

            var fromEnv = env.Get("GOOGLE_CLOUD_PROJECT");
            if (fromEnv != null)
            {
                return (fromEnv, "GOOGLE_CLOUD_PROJECT");
            }

            if (gcloud.Project != null)
            {
                return (gcloud.Project, gcloud.ProjectSource);
            }

            return credential.ProjectId != null ? (credential.ProjectId, "credential file project_id") : ((string?)null, (string?)null);
        }

        private static (CheckStatus?, string?, string?) FindProblem(GcloudConfiguration gcloud, AdcCredential credential, string? project)
        {
            if (gcloud.ReadError != null)
            {
                return (CheckStatus.ConfigurationError, gcloud.ReadError, "Fix the file's permissions, or select another configuration with 'gcloud config configurations activate NAME'.");
            }

            if (credential.ProblemStatus != null)
            {
                return (credential.ProblemStatus, credential.Problem, credential.Hint);
            }

            if (project is null)
            {
                return (
                    CheckStatus.NoProject,
                    "no GCP project: none given, GOOGLE_CLOUD_PROJECT and CLOUDSDK_CORE_PROJECT are unset, gcloud configuration '" + gcloud.Name + "' has no project and the credential names none",
                    "Run 'gcloud config set project PROJECT_ID' (or 'gcloud init'), or set GOOGLE_CLOUD_PROJECT.");
            }

            return (null, null, null);
        }

        private static bool CanExpire(AdcCredential credential, string? account)
        {
            switch (credential.Type)
            {
                case AdcCredential.ServiceAccount:
                case AdcCredential.MetadataServer:
                    return false;
                case AdcCredential.None:
                    return false;
                default:
                    // User logins and federated credentials can be revoked or need re-authentication.
                    return account is null || !account.EndsWith("iam.gserviceaccount.com", StringComparison.OrdinalIgnoreCase);
            }
        }

        private static string Fingerprint(SkyEnvironment env, GcloudConfiguration gcloud, AdcCredential credential, SkyConfig skyConfig, string? project)
        {
            var builder = new FingerprintBuilder()
                .Add("cloud", "gcp")
                .Add("config_dir", gcloud.ConfigDirectory)
                .Add("configuration", gcloud.Name)
                .AddFileContent("configuration_file", gcloud.FilePath, gcloud.FileContent)
                .Add("credential_type", credential.Type)
                .AddFileContent("credential_file", credential.Path, credential.Content)
                .AddFileContent("sky_config", skyConfig.Path, skyConfig.Content)
                .Add("project", project);
            foreach (var name in FingerprintedVariables)
            {
                builder.Add("env:" + name, env.Get(name));
            }

            foreach (var pair in env.WithPrefix("CLOUDSDK_API_ENDPOINT_OVERRIDES_"))
            {
                builder.Add("env:" + pair.Key, pair.Value);
            }

            return builder.Build();
        }
    }
}
