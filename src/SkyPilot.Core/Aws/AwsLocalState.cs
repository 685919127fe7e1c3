using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;

namespace SkyPilot.Core.Aws
{
    /// <summary>
    /// The AWS configuration as the CLI (botocore) would resolve it right now: profile, files, credential chain, region.
    /// Read anew at every use, so a profile switch, a rotated key or a new <c>aws sso login</c> is seen by the next call.
    /// </summary>
    internal sealed class AwsLocalState
    {
        public const string DefaultRegion = "us-east-1";
        private const int MaxChainDepth = 8;

        private AwsLocalState(SkyEnvironment env)
        {
            Environment = env;
        }

        public SkyEnvironment Environment { get; }

        public string Profile { get; private set; } = "default";

        /// <summary><c>AWS_DEFAULT_PROFILE</c>, <c>AWS_PROFILE</c>, the workspace's <c>aws.profile</c>, or <c>default</c>.</summary>
        public string ProfileSource { get; private set; } = "default";

        /// <summary>True when the profile was named explicitly (SkyPilot's workspace <c>aws.profile</c>): environment keys then do not apply.</summary>
        public bool ProfileIsExplicit { get; private set; }

        public string CredentialsPath { get; private set; } = string.Empty;

        public string ConfigPath { get; private set; } = string.Empty;

        public AwsConfigFile Credentials { get; private set; } = AwsConfigFile.Empty;

        public AwsConfigFile Config { get; private set; } = AwsConfigFile.Empty;

        public string Region { get; private set; } = DefaultRegion;

        public string RegionSource { get; private set; } = "default";

        public AwsCredentialSource Credential { get; private set; } = new AwsCredentialSource();

        /// <summary>The profiles the credential chain went through, for the fingerprint.</summary>
        public List<string> ChainProfiles { get; } = new List<string>();

        public CheckStatus? ProblemStatus { get; private set; }

        public string? Problem { get; private set; }

        public string? Hint { get; private set; }

        public List<string> Warnings { get; } = new List<string>();

        public static AwsLocalState Read(SkyEnvironment env, SkyConfig skyConfig, DateTimeOffset now, string? profileOverride = null)
        {
            var state = new AwsLocalState(env);
            var aws = Path.Combine(env.HomeDirectory, ".aws");
            state.CredentialsPath = env.Get("AWS_SHARED_CREDENTIALS_FILE") is string c ? env.ExpandHome(c) : Path.Combine(aws, "credentials");
            state.ConfigPath = env.Get("AWS_CONFIG_FILE") is string f ? env.ExpandHome(f) : Path.Combine(aws, "config");
            try
            {
                state.Credentials = AwsConfigFile.Load(state.CredentialsPath);
                state.Config = AwsConfigFile.Load(state.ConfigPath);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                state.Fail(CheckStatus.ConfigurationError, "cannot read the AWS configuration: " + e.Message, "Check the permissions of " + state.CredentialsPath + " and " + state.ConfigPath + ".");
                return state;
            }

            state.ResolveProfile(env, skyConfig, profileOverride);
            state.ResolveRegion(env);
            state.Credential = state.ResolveCredential(env, now);
            return state;
        }

        /// <summary>The config-file section of a profile: <c>[default]</c> or <c>[profile name]</c>.</summary>
        public static string ConfigSection(string profile) => profile == "default" ? "default" : "profile " + profile;

        /// <summary>A profile setting, from the config file (credentials file for keys botocore reads there too).</summary>
        public string? ProfileValue(string profile, string key) =>
            Config.Get(ConfigSection(profile), key) ?? (profile == "default" ? Config.Get("profile default", key) : null) ?? Credentials.Get(profile, key);

        public bool ProfileExists(string profile) =>
            Config.HasSection(ConfigSection(profile)) || Credentials.HasSection(profile) || (profile == "default" && Config.HasSection("profile default"));

        /// <summary>The SSO token cache file botocore reads: <c>~/.aws/sso/cache/&lt;sha1(session name or start URL)&gt;.json</c>.</summary>
        public static string SsoCachePath(SkyEnvironment env, string sessionOrStartUrl)
        {
            using (var sha1 = SHA1.Create())
            {
                var hash = sha1.ComputeHash(Encoding.UTF8.GetBytes(sessionOrStartUrl));
                var hex = new StringBuilder();
                foreach (var b in hash)
                {
                    hex.Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }

                return Path.Combine(env.HomeDirectory, ".aws", "sso", "cache", hex + ".json");
            }
        }

        private void ResolveProfile(SkyEnvironment env, SkyConfig skyConfig, string? profileOverride)
        {
            var workspace = skyConfig.GetString("active_workspace") ?? "default";
            var workspaceProfile = skyConfig.GetString("workspaces." + workspace + ".aws.profile");
            if (profileOverride != null)
            {
                (Profile, ProfileSource, ProfileIsExplicit) = (profileOverride, "requested", true);
            }
            else if (workspaceProfile != null)
            {
                (Profile, ProfileSource, ProfileIsExplicit) = (workspaceProfile, "workspace '" + workspace + "' aws.profile", true);
            }
            else if (env.Get("AWS_DEFAULT_PROFILE") is string defaultProfile)
            {
                // botocore and the CLI read AWS_DEFAULT_PROFILE before AWS_PROFILE (the .NET SDK ignores it).
                (Profile, ProfileSource) = (defaultProfile, "AWS_DEFAULT_PROFILE");
            }
            else if (env.Get("AWS_PROFILE") is string profile)
            {
                (Profile, ProfileSource) = (profile, "AWS_PROFILE");
            }
        }

        private void ResolveRegion(SkyEnvironment env)
        {
            if (env.Get("AWS_REGION") is string region)
            {
                (Region, RegionSource) = (region, "AWS_REGION");
            }
            else if (env.Get("AWS_DEFAULT_REGION") is string defaultRegion)
            {
                (Region, RegionSource) = (defaultRegion, "AWS_DEFAULT_REGION");
            }
            else if (ProfileValue(Profile, "region") is string profileRegion)
            {
                (Region, RegionSource) = (profileRegion, "profile " + Profile);
            }
        }

        private AwsCredentialSource ResolveCredential(SkyEnvironment env, DateTimeOffset now)
        {
            var envKey = env.Get("AWS_ACCESS_KEY_ID");
            var envSecret = env.Get("AWS_SECRET_ACCESS_KEY");
            if (!ProfileIsExplicit && envKey != null && envSecret != null)
            {
                return new AwsCredentialSource { Kind = AwsCredentialKind.Environment, Location = "AWS_ACCESS_KEY_ID", AccessKeyId = envKey, SecretAccessKey = envSecret, SessionToken = env.Get("AWS_SESSION_TOKEN") };
            }

            if (env.Get("AWS_WEB_IDENTITY_TOKEN_FILE") is string envTokenFile && env.Get("AWS_ROLE_ARN") is string envRole)
            {
                return WebIdentity(null, envTokenFile, envRole, env.Get("AWS_ROLE_SESSION_NAME"), "AWS_WEB_IDENTITY_TOKEN_FILE");
            }

            if (!ProfileExists(Profile))
            {
                if (ProfileSource != "default")
                {
                    Fail(CheckStatus.ConfigurationError, "the config profile (" + Profile + ") could not be found (named by " + ProfileSource + ")", "aws configure --profile " + Profile + ", or name an existing profile");
                    return new AwsCredentialSource { Profile = Profile };
                }

                return Container(env) ?? NoCredentials();
            }

            var source = FromProfile(Profile, now, 0);
            if (source.Kind == AwsCredentialKind.None && ProblemStatus is null)
            {
                return Container(env) ?? NoCredentials();
            }

            return source;
        }

        private AwsCredentialSource NoCredentials()
        {
            Fail(CheckStatus.NoCredentials, "AWS credentials are not set", "aws configure (or aws configure sso), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
            return new AwsCredentialSource { Profile = Profile };
        }

        private static AwsCredentialSource? Container(SkyEnvironment env)
        {
            var uri = env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
                ?? (env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is string relative ? "http://169.254.170.2" + relative : null);
            return uri is null ? null : new AwsCredentialSource { Kind = AwsCredentialKind.Container, ContainerUri = uri, Location = "AWS_CONTAINER_CREDENTIALS_*" };
        }

        /// <summary>A profile's credentials in botocore's order: role, web identity, SSO, credentials file, process, config file.</summary>
        private AwsCredentialSource FromProfile(string profile, DateTimeOffset now, int depth)
        {
            ChainProfiles.Add(profile);
            if (depth > MaxChainDepth)
            {
                Fail(CheckStatus.ConfigurationError, "the role chain starting at profile " + Profile + " is longer than " + MaxChainDepth + " profiles (a source_profile loop?)", "Fix source_profile in " + ConfigPath);
                return new AwsCredentialSource { Profile = profile };
            }

            var roleArn = ProfileValue(profile, "role_arn");
            var sourceProfile = ProfileValue(profile, "source_profile");
            var credentialSource = ProfileValue(profile, "credential_source");
            var webTokenFile = ProfileValue(profile, "web_identity_token_file");
            if (roleArn != null && (sourceProfile != null || credentialSource != null))
            {
                AwsCredentialSource inner;
                if (sourceProfile != null)
                {
                    if (!ProfileExists(sourceProfile))
                    {
                        Fail(CheckStatus.ConfigurationError, "profile " + profile + " names source_profile " + sourceProfile + ", which does not exist", "Add [" + sourceProfile + "] to " + CredentialsPath + " or fix source_profile in " + ConfigPath);
                        return new AwsCredentialSource { Profile = profile };
                    }

                    // A source profile with its own keys and role uses its keys (botocore: no self-loop).
                    inner = sourceProfile == profile ? StaticFromProfile(profile) ?? new AwsCredentialSource() : FromProfile(sourceProfile, now, depth + 1);
                }
                else if (string.Equals(credentialSource, "Environment", StringComparison.OrdinalIgnoreCase) && Environment.Get("AWS_ACCESS_KEY_ID") is string key)
                {
                    inner = new AwsCredentialSource { Kind = AwsCredentialKind.Environment, Location = "AWS_ACCESS_KEY_ID", AccessKeyId = key, SecretAccessKey = Environment.Get("AWS_SECRET_ACCESS_KEY"), SessionToken = Environment.Get("AWS_SESSION_TOKEN") };
                }
                else
                {
                    inner = Container(Environment) ?? new AwsCredentialSource();
                }

                if (inner.Kind == AwsCredentialKind.None && ProblemStatus is null)
                {
                    Fail(CheckStatus.NoCredentials, "profile " + profile + " assumes " + roleArn + " but its source (" + (sourceProfile ?? credentialSource) + ") has no credentials", "aws configure --profile " + (sourceProfile ?? profile));
                }

                return new AwsCredentialSource
                {
                    Kind = AwsCredentialKind.AssumeRole,
                    Profile = profile,
                    Location = ConfigPath,
                    RoleArn = roleArn,
                    RoleSessionName = ProfileValue(profile, "role_session_name"),
                    ExternalId = ProfileValue(profile, "external_id"),
                    Source = inner,
                };
            }

            if (roleArn != null && webTokenFile != null)
            {
                return WebIdentity(profile, Environment.ExpandHome(webTokenFile), roleArn, ProfileValue(profile, "role_session_name"), ConfigPath);
            }

            var ssoSession = ProfileValue(profile, "sso_session");
            var startUrl = ssoSession != null ? Config.Get("sso-session " + ssoSession, "sso_start_url") : ProfileValue(profile, "sso_start_url");
            if (ssoSession != null || startUrl != null)
            {
                return Sso(profile, ssoSession, startUrl, now);
            }

            if (StaticFromProfile(profile) is AwsCredentialSource keys)
            {
                return keys;
            }

            if (ProfileValue(profile, "credential_process") is string command)
            {
                return new AwsCredentialSource { Kind = AwsCredentialKind.Process, Profile = profile, Location = ConfigPath, ProcessCommand = command };
            }

            return new AwsCredentialSource { Profile = profile };
        }

        private AwsCredentialSource? StaticFromProfile(string profile)
        {
            if (Credentials.Get(profile, "aws_access_key_id") is string key)
            {
                return new AwsCredentialSource { Kind = AwsCredentialKind.SharedCredentialsFile, Profile = profile, Location = CredentialsPath, AccessKeyId = key, SecretAccessKey = Credentials.Get(profile, "aws_secret_access_key"), SessionToken = Credentials.Get(profile, "aws_session_token") };
            }

            var section = ConfigSection(profile);
            if (Config.Get(section, "aws_access_key_id") is string configKey)
            {
                return new AwsCredentialSource { Kind = AwsCredentialKind.ConfigFile, Profile = profile, Location = ConfigPath, AccessKeyId = configKey, SecretAccessKey = Config.Get(section, "aws_secret_access_key"), SessionToken = Config.Get(section, "aws_session_token") };
            }

            return null;
        }

        private AwsCredentialSource WebIdentity(string? profile, string tokenFile, string roleArn, string? sessionName, string location)
        {
            string? token = null;
            try
            {
                token = File.ReadAllText(Environment.ExpandHome(tokenFile)).Trim();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Fail(CheckStatus.NoCredentials, "the web identity token file " + tokenFile + " cannot be read: " + e.Message, "Check AWS_WEB_IDENTITY_TOKEN_FILE / web_identity_token_file");
            }

            return new AwsCredentialSource { Kind = AwsCredentialKind.WebIdentity, Profile = profile, Location = location, WebIdentityTokenFile = tokenFile, WebIdentityToken = token, RoleArn = roleArn, RoleSessionName = sessionName };
        }

        private AwsCredentialSource Sso(string profile, string? session, string? startUrl, DateTimeOffset now)
        {
            var sessionSection = session is null ? null : "sso-session " + session;
            var region = sessionSection is null ? ProfileValue(profile, "sso_region") : Config.Get(sessionSection, "sso_region");
            var login = "aws sso login --profile " + profile;
            if (session != null && !Config.HasSection(sessionSection!))
            {
                Fail(CheckStatus.ConfigurationError, "profile " + profile + " names sso_session " + session + ", but " + ConfigPath + " has no [sso-session " + session + "] section", "aws configure sso --profile " + profile);
                return new AwsCredentialSource { Profile = profile };
            }

            var cachePath = SsoCachePath(Environment, session ?? startUrl!);
            string? token = null;
            DateTimeOffset? expiresAt = null;
            try
            {
                var json = AwsJson.Parse(File.ReadAllText(cachePath));
                token = (string?)json["accessToken"];
                expiresAt = ParseExpiry((string?)json["expiresAt"]);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                Fail(CheckStatus.NoCredentials, "no SSO login for profile " + profile + " (no token in " + cachePath + ")", login);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is Newtonsoft.Json.JsonException)
            {
                Fail(CheckStatus.InvalidCredentials, "the SSO token cache " + cachePath + " cannot be read: " + e.Message, login);
            }

            if (token != null && expiresAt.HasValue && expiresAt.Value <= now)
            {
                Fail(CheckStatus.CredentialsExpired, "the SSO session for profile " + profile + " expired at " + expiresAt.Value.ToString("u", CultureInfo.InvariantCulture), "run: " + login);
            }

            return new AwsCredentialSource
            {
                Kind = AwsCredentialKind.Sso,
                Profile = profile,
                Location = cachePath,
                SsoSession = session,
                SsoStartUrl = startUrl,
                SsoRegion = region,
                SsoAccountId = ProfileValue(profile, "sso_account_id"),
                SsoRoleName = ProfileValue(profile, "sso_role_name"),
                SsoCachePath = cachePath,
                SsoAccessToken = token,
                SsoExpiresAt = expiresAt,
            };
        }

        /// <summary>botocore writes <c>2024-01-01T00:00:00Z</c> (older: <c>...UTC</c>).</summary>
        private static DateTimeOffset? ParseExpiry(string? text)
        {
            if (text is null)
            {
                return null;
            }

            return DateTimeOffset.TryParse(text.Replace("UTC", "Z"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : (DateTimeOffset?)null;
        }

        private void Fail(CheckStatus status, string problem, string hint)
        {
            if (ProblemStatus is null)
            {
                (ProblemStatus, Problem, Hint) = (status, problem, hint);
            }
        }
    }
}
