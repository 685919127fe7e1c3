using System;
using System.Collections.Generic;
using System.Globalization;
using SkyPilot.Core.Config;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Nebius
{
    /// <summary>The Nebius identity from local files only; its fingerprint changes whenever a credential file changes.</summary>
    internal static class NebiusIdentityResolver
    {
        public static (CloudIdentity Identity, NebiusLocalState State, SkyConfig Config) Resolve(SkyEnvironment env, DateTimeOffset now)
        {
            var config = SkyConfig.Load(env);
            var state = NebiusLocalState.Read(env, config);
            var warnings = new List<string>(state.Warnings);
            var expiry = state.ExpectedExpiry;
            var warnBefore = TimeSpan.FromHours(NebiusLocalState.TokenLifetime.TotalHours - WarnAgeHours(env));
            if (expiry.HasValue && state.ProblemStatus is null)
            {
                if (expiry.Value <= now)
                {
                    warnings.Add("the Nebius token in " + state.TokenSource + " has probably expired (expected at " + expiry.Value.ToString("u", CultureInfo.InvariantCulture) + "); refresh it with: " + NebiusLocalState.TokenHint);
                }
                else if (expiry.Value - now <= warnBefore)
                {
                    warnings.Add("the Nebius token in " + state.TokenSource + " expires soon (expected at " + expiry.Value.ToString("u", CultureInfo.InvariantCulture) + "); refresh it with: " + NebiusLocalState.TokenHint);
                }
            }

            if (config.Warning != null)
            {
                warnings.Add(config.Warning);
            }

            var fingerprint = new FingerprintBuilder()
                .Add("cloud", "nebius")
                .Add("credential_source", state.TokenSource)
                .Add("token", state.Token is null ? null : FingerprintKey.KeyedDigest(env, state.Token))
                .Add("token_written", Stamp(state.TokenObtainedAt))
                .Add("key", state.KeyContent is null ? null : FingerprintKey.KeyedDigest(env, state.KeyContent))
                .Add("tenant", state.TenantId)
                .Add("tenant_source", state.TenantSource)
                .Add("tenant_written", Stamp(state.TenantWrittenAt))
                .Add("domain", state.Domain)
                .Add("env:NEBIUS_ENDPOINT", env.Get("NEBIUS_ENDPOINT"))
                .Add("aws_credentials", KeyedFileDigest(env, NebiusStorageCheck.Paths(env).CredentialsPath))
                .Add("aws_config", KeyedFileDigest(env, NebiusStorageCheck.Paths(env).ConfigPath))
                .Build();

            var identity = new CloudIdentity
            {
                Cloud = KnownClouds.Nebius,
                Account = state.Key?.ServiceAccountId,
                Project = state.TenantId,
                ProjectSource = state.TenantSource,
                CredentialSource = state.TokenSource,
                CredentialSourceKind = state.TokenSource == "NEBIUS_IAM_TOKEN" ? "environment" : "file",
                CredentialType = state.CredentialType,
                CanExpire = state.Token != null,
                CredentialObtainedAt = state.TokenObtainedAt,
                CredentialExpiresAt = expiry,
                CredentialDigest = state.Token is null ? null : FingerprintKey.KeyedDigest(env, state.Token, 12),
                Fingerprint = fingerprint,
                ProblemStatus = state.ProblemStatus,
                Problem = state.Problem,
                Hint = state.Hint,
                Warnings = warnings,
                ResolvedAt = now,
            };
            return (identity, state, config);
        }

        /// <summary>Warn when a token file is older than this many hours. <c>SKYPILOT_PS_NEBIUS_TOKEN_WARN_HOURS</c>, default 10.</summary>
        private static double WarnAgeHours(SkyEnvironment env)
        {
            return SkySettings.For(env).Get(SkySettings.NebiusTokenWarnHours);
        }

        /// <summary>The storage check reads the AWS files: a changed profile must not be served a cached result. Keyed: they hold secrets.</summary>
        private static string? KeyedFileDigest(SkyEnvironment env, string path)
        {
            try
            {
                var bytes = Internal.SmallFile.TryRead(path);
                return bytes is null ? path + "|<missing>" : path + "|" + FingerprintKey.KeyedDigest(env, System.Text.Encoding.UTF8.GetString(bytes));
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                return path + "|<unreadable>";
            }
        }

        private static string? Stamp(DateTimeOffset? at) => at?.UtcTicks.ToString(CultureInfo.InvariantCulture);
    }
}
