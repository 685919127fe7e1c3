using System;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Cache
{
    /// <summary>Decides whether an entry may be served for the current identity, and says why not.</summary>
    internal static class CacheValidity
    {
        /// <summary>Null when the entry is valid now; otherwise the reason it is not.</summary>
        public static string? WhyInvalid(CacheEntry entry, CloudIdentity current, DateTimeOffset now)
        {
            if (entry.Fingerprint != current.Fingerprint)
            {
                return DescribeChange(entry.Identity, current);
            }

            return now >= entry.ExpiresAt ? "expired at " + entry.ExpiresAt.ToString("u") : null;
        }

        private static string DescribeChange(CloudIdentity was, CloudIdentity now)
        {
            if (now.Cloud == KnownClouds.Kubernetes)
            {
                return DescribeKubernetesChange(was, now);
            }

            if (was.Cloud == KnownClouds.Aws && !Same(was.Configuration, now.Configuration))
            {
                return "profile changed: " + Show(was.Configuration) + " → " + Show(now.Configuration);
            }

            // An account that is not known yet (a user credential whose email tokeninfo has not told) is not a change of account.
            if (was.Account != null && now.Account != null && !Same(was.Account, now.Account))
            {
                return "account changed: " + Show(was.Account) + " → " + Show(now.Account);
            }

            if (!Same(was.Project, now.Project))
            {
                return "project changed: " + Show(was.Project) + " → " + Show(now.Project);
            }

            if (!Same(was.CredentialSource, now.CredentialSource) || was.CredentialType != now.CredentialType)
            {
                return "credential changed: " + Show(was.CredentialSource) + " → " + Show(now.CredentialSource);
            }

            if (!Same(was.CredentialDigest, now.CredentialDigest))
            {
                return "credential file changed: " + Show(now.CredentialSource);
            }

            if (!Same(was.Configuration, now.Configuration))
            {
                return "gcloud configuration changed: " + Show(was.Configuration) + " → " + Show(now.Configuration);
            }

            if (!Same(was.GcloudAccount, now.GcloudAccount))
            {
                return "gcloud account changed: " + Show(was.GcloudAccount) + " → " + Show(now.GcloudAccount);
            }

            return "configuration or environment changed (config files, endpoint overrides or SkyPilot config)";
        }

        private static string DescribeKubernetesChange(CloudIdentity was, CloudIdentity now)
        {
            if (!Same(was.Configuration, now.Configuration))
            {
                return "context changed: " + Show(was.Configuration) + " → " + Show(now.Configuration);
            }

            if (!Same(was.Endpoint, now.Endpoint))
            {
                return "context server changed: " + Show(was.Endpoint) + " → " + Show(now.Endpoint);
            }

            if (!Same(was.Project, now.Project))
            {
                return "namespace changed: " + Show(was.Project) + " → " + Show(now.Project);
            }

            if (was.CredentialType != now.CredentialType)
            {
                return "context credential changed: " + was.CredentialType + " → " + now.CredentialType;
            }

            if (!Same(was.CredentialDigest, now.CredentialDigest))
            {
                return "context credential changed (new token, certificate or exec plugin identity)";
            }

            return "kubeconfig changed (files, trust settings or allowed_contexts)";
        }

        private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.Ordinal);

        private static string Show(string? value) => value ?? "(none)";
    }
}
