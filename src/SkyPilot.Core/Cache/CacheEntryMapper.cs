using System;
using System.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Cache
{
    /// <summary>Converts between capability results and their stored form.</summary>
    internal static class CacheEntryMapper
    {
        public static StoredEntry ToStored(CapabilityResult result, DateTimeOffset expiresAt)
        {
            var identity = result.Identity;
            return new StoredEntry
            {
                Cloud = result.Cloud,
                Capability = result.Capability.ToString(),
                Fingerprint = identity.Fingerprint,
                Identity = new StoredIdentity
                {
                    Account = identity.Account,
                    Project = identity.Project,
                    ProjectSource = identity.ProjectSource,
                    CredentialSource = identity.CredentialSource,
                    CredentialSourceKind = identity.CredentialSourceKind,
                    CredentialType = identity.CredentialType,
                    CredentialDigest = identity.CredentialDigest,
                    Configuration = identity.Configuration,
                    GcloudAccount = identity.GcloudAccount,
                    Endpoint = identity.Endpoint,
                    CanExpire = identity.CanExpire,
                },
                Status = result.Status.ToString(),
                PermissionsTested = result.PermissionsTested.ToList(),
                MissingPermissions = result.MissingPermissions.ToList(),
                Reason = result.Reason,
                Hint = result.Hint,
                CheckedAt = result.CheckedAt,
                DurationMs = result.Duration.TotalMilliseconds,
                ExpiresAt = expiresAt,
            };
        }

        /// <summary>The public entry, or null when the stored one is not understood (e.g. written by a newer version).</summary>
        public static CacheEntry? FromStored(StoredEntry stored, string cachePath)
        {
            if (!Enum.TryParse<Capability>(stored.Capability, out var capability) || !Enum.TryParse<CheckStatus>(stored.Status, out var status)
                || string.IsNullOrEmpty(stored.Cloud) || string.IsNullOrEmpty(stored.Fingerprint))
            {
                return null;
            }

            var s = stored.Identity ?? new StoredIdentity();
            var identity = new CloudIdentity
            {
                Cloud = stored.Cloud,
                Account = s.Account,
                Project = s.Project,
                ProjectSource = s.ProjectSource,
                CredentialSource = s.CredentialSource,
                CredentialSourceKind = s.CredentialSourceKind,
                CredentialType = s.CredentialType ?? "none",
                CredentialDigest = s.CredentialDigest,
                Configuration = s.Configuration,
                GcloudAccount = s.GcloudAccount,
                Endpoint = s.Endpoint,
                CanExpire = s.CanExpire,
                Fingerprint = stored.Fingerprint,
                ResolvedAt = stored.CheckedAt,
            };
            return new CacheEntry
            {
                Cloud = stored.Cloud,
                Capability = capability,
                Fingerprint = stored.Fingerprint,
                Identity = identity,
                ExpiresAt = stored.ExpiresAt,
                CachePath = cachePath,
                Result = new CapabilityResult
                {
                    Cloud = stored.Cloud,
                    Capability = capability,
                    Status = status,
                    PermissionsTested = stored.PermissionsTested ?? new System.Collections.Generic.List<string>(),
                    MissingPermissions = stored.MissingPermissions ?? new System.Collections.Generic.List<string>(),
                    Reason = stored.Reason ?? string.Empty,
                    Hint = stored.Hint,
                    Identity = identity,
                    CheckedAt = stored.CheckedAt,
                    Duration = TimeSpan.FromMilliseconds(stored.DurationMs),
                },
            };
        }
    }
}
