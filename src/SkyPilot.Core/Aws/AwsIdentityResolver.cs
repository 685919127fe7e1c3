using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using SkyPilot.Core.Config;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Aws
{
    /// <summary>The AWS identity from local files and environment only; its fingerprint covers every input the CLI would read.</summary>
    internal static class AwsIdentityResolver
    {
        /// <summary>Non-secret variables that change who AWS calls act as, or where they go.</summary>
        private static readonly string[] PlainVariables =
        {
            "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_EC2_METADATA_DISABLED", "AWS_ACCESS_KEY_ID",
        };

        /// <summary>Variables holding secrets: only their keyed digest enters the fingerprint.</summary>
        private static readonly string[] SecretVariables =
        {
            "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        };

        /// <summary>
        /// The resolution of this environment snapshot, made at the first call's time and then reused: within one
        /// cmdlet invocation the identity that is checked is, by construction, the one that stages.
        /// </summary>
        /// <remarks><paramref name="clock"/> is read by the first call only, the one that resolves.</remarks>
        public static AwsResolution ResolveOnce(SkyEnvironment env, Func<DateTimeOffset> clock) =>
            env.Once(e =>
            {
                var (identity, state) = Resolve(e, clock());
                return new AwsResolution(identity, state);
            });

        public static (CloudIdentity Identity, AwsLocalState State) Resolve(SkyEnvironment env, DateTimeOffset now)
        {
            var config = SkyConfig.Load(env);
            var state = AwsLocalState.Read(env, config, now);
            var credential = state.Credential;
            var warnings = new List<string>(state.Warnings);
            if (config.Warning != null)
            {
                warnings.Add(config.Warning);
            }

            if (state.ProfileSource == "AWS_DEFAULT_PROFILE" && env.Get("AWS_PROFILE") is string awsProfile && awsProfile != state.Profile)
            {
                warnings.Add("AWS_DEFAULT_PROFILE (" + state.Profile + ") wins over AWS_PROFILE (" + awsProfile + "), as in the AWS CLI and SkyPilot; the AWS SDK for .NET and AWS Tools for PowerShell would use " + awsProfile);
            }

            var root = credential.Root;
            if (root.Kind == AwsCredentialKind.Sso && root.SsoExpiresAt is DateTimeOffset expires && expires > now && expires - now < TimeSpan.FromMinutes(30))
            {
                warnings.Add("the SSO session for profile " + root.Profile + " expires at " + expires.ToString("u", CultureInfo.InvariantCulture) + "; renew it with: aws sso login --profile " + root.Profile);
            }

            var identity = new CloudIdentity
            {
                Cloud = KnownClouds.Aws,
                Account = null,
                Configuration = state.Profile,
                CredentialSource = root.Location,
                CredentialSourceKind = credential.Kind == AwsCredentialKind.Environment ? "environment" : "profile " + state.Profile + " (" + state.ProfileSource + ")",
                CredentialType = credential.TypeName,
                CanExpire = credential.CanExpire,
                CredentialExpiresAt = root.SsoExpiresAt,
                CredentialDigest = SecretMaterial(credential) is string secret ? FingerprintKey.KeyedDigest(env, secret, 12) : null,
                Fingerprint = Fingerprint(env, state),
                ProblemStatus = state.ProblemStatus,
                Problem = state.Problem,
                Hint = state.Hint,
                Warnings = warnings,
                ResolvedAt = now,
            };
            return (identity, state);
        }

        private static string Fingerprint(SkyEnvironment env, AwsLocalState state)
        {
            var builder = new FingerprintBuilder()
                .Add("cloud", KnownClouds.Aws)
                .Add("profile", state.Profile)
                .Add("profile_source", state.ProfileSource)
                .Add("region", state.Region + "|" + state.RegionSource)
                .Add("credential_type", state.Credential.TypeName)
                .Add("credential", SecretMaterial(state.Credential) is string secret ? FingerprintKey.KeyedDigest(env, secret) : null)
                .Add("credentials_file", state.CredentialsPath + "|" + (state.Credentials.Exists ? "present" : "missing"))
                .Add("config_file", state.ConfigPath + "|" + (state.Config.Exists ? "present" : "missing"));
            foreach (var name in PlainVariables)
            {
                builder.Add("env:" + name, env.Get(name));
            }

            foreach (var name in SecretVariables)
            {
                builder.Add("env:" + name, env.Get(name) is string value ? FingerprintKey.KeyedDigest(env, value) : null);
            }

            foreach (var pair in env.WithPrefix("AWS_ENDPOINT_URL"))
            {
                builder.Add("env:" + pair.Key, pair.Value);
            }

            // Every profile of the chain, with its sso-session and services sections: keyed, since they hold keys.
            var sections = new StringBuilder();
            foreach (var profile in state.ChainProfiles.Prepend(state.Profile).Distinct())
            {
                Append(sections, state.Config, AwsLocalState.ConfigSection(profile));
                Append(sections, state.Credentials, profile);
                if (state.ProfileValue(profile, "sso_session") is string session)
                {
                    Append(sections, state.Config, "sso-session " + session);
                }

                if (state.ProfileValue(profile, "services") is string services)
                {
                    Append(sections, state.Config, "services " + services);
                }
            }

            builder.Add("profile_sections", FingerprintKey.KeyedDigest(env, sections.ToString()));
            var root = state.Credential.Root;
            if (root.SsoCachePath != null)
            {
                builder.Add("sso_cache", root.SsoCachePath + "|" + KeyedFile(env, root.SsoCachePath));
            }

            return builder.Build();
        }

        /// <summary>What the credential is made of (keys, tokens, the process command), for keyed digests only.</summary>
        private static string? SecretMaterial(AwsCredentialSource source)
        {
            if (source.Kind == AwsCredentialKind.None)
            {
                return null;
            }

            return string.Join("|", source.TypeName, source.AccessKeyId, source.SecretAccessKey, source.SessionToken, source.RoleArn, source.ExternalId,
                source.WebIdentityToken, source.SsoAccessToken, source.SsoAccountId, source.SsoRoleName, source.ProcessCommand, source.ContainerUri,
                source.Source is null ? null : SecretMaterial(source.Source));
        }

        private static void Append(StringBuilder text, AwsConfigFile file, string section)
        {
            text.Append('[').Append(section).Append("]\n");
            foreach (var pair in file.Section(section))
            {
                text.Append(pair.Key).Append('=').Append(pair.Value).Append('\n');
            }
        }

        private static string KeyedFile(SkyEnvironment env, string path)
        {
            try
            {
                return FingerprintKey.KeyedDigest(env, File.ReadAllText(path));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return "<missing>";
            }
        }
    }
}
