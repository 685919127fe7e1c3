using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Nebius
{
    /// <summary>
    /// Nebius credentials as they are on disk right now. Read anew at every use: nothing here outlives the call
    /// that read it, so a refreshed token file is seen by the very next check.
    /// </summary>
    internal sealed class NebiusLocalState
    {
        /// <summary>Nebius documents a 12-hour access-token lifetime.</summary>
        public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(12);

        public NebiusPaths Paths { get; private set; } = null!;

        public string? Token { get; private set; }

        /// <summary><c>NEBIUS_IAM_TOKEN</c> or the token file's path.</summary>
        public string? TokenSource { get; private set; }

        /// <summary>When the token file was last written: when the token was obtained.</summary>
        public DateTimeOffset? TokenObtainedAt { get; private set; }

        public NebiusServiceAccountKey? Key { get; private set; }

        /// <summary>Raw key file content, for the fingerprint only.</summary>
        public string? KeyContent { get; private set; }

        public string? TenantId { get; private set; }

        public string? TenantSource { get; private set; }

        public DateTimeOffset? TenantWrittenAt { get; private set; }

        public string? Domain { get; private set; }

        public CheckStatus? ProblemStatus { get; private set; }

        public string? Problem { get; private set; }

        public string? Hint { get; private set; }

        public List<string> Warnings { get; } = new List<string>();

        public const string TokenHint = "nebius iam get-access-token > ~/.nebius/NEBIUS_IAM_TOKEN.txt";
        public const string TenantHint = "nebius --format json iam whoami | jq -r '.user_profile.tenants[0].tenant_id' > ~/.nebius/NEBIUS_TENANT_ID.txt";

        public string CredentialType => Token != null ? "access_token" : Key != null ? "service_account_key" : "none";

        /// <summary>When the credential is expected to stop working: a JWT's exp, else the token file's age plus 12 hours.</summary>
        public DateTimeOffset? ExpectedExpiry =>
            Token is null ? null : NebiusTokenFormat.JwtExpiry(Token) ?? (TokenObtainedAt.HasValue ? TokenObtainedAt.Value + TokenLifetime : (DateTimeOffset?)null);

        public static NebiusLocalState Read(SkyEnvironment env, SkyConfig skyConfig)
        {
            var state = new NebiusLocalState { Paths = new NebiusPaths(env) };
            state.ReadCredential(env);
            state.ReadTenant(skyConfig);
            state.Domain = ReadTrimmed(state.Paths.DomainFile).Text;
            if (state.ProblemStatus is null && NebiusEndpoints.Problem(env, state.Domain) is string endpointProblem)
            {
                state.Fail(CheckStatus.ConfigurationError, endpointProblem, NebiusEndpoints.Hint);
            }

            return state;
        }

        private void ReadCredential(SkyEnvironment env)
        {
            var fromEnv = env.Get("NEBIUS_IAM_TOKEN");
            if (fromEnv != null)
            {
                AcceptToken(fromEnv, "NEBIUS_IAM_TOKEN", null);
                return;
            }

            var (text, writtenAt, error) = ReadTrimmed(Paths.TokenFile);
            if (error != null)
            {
                Fail(CheckStatus.InvalidCredentials, "cannot read " + Paths.TokenFile + ": " + error, "Check the file's permissions, or refresh it: " + TokenHint);
                return;
            }

            if (text != null && text.Length == 0)
            {
                Fail(CheckStatus.InvalidCredentials, Paths.TokenFile + " exists but is empty", "Write a token into it: " + TokenHint);
                return;
            }

            if (text != null)
            {
                AcceptToken(text, Paths.TokenFile, writtenAt);
                return;
            }

            var key = ReadTrimmed(Paths.ServiceAccountKeyFile);
            if (key.Error != null)
            {
                Fail(CheckStatus.InvalidCredentials, "cannot read " + Paths.ServiceAccountKeyFile + ": " + key.Error, "Check the file, or generate a new key: nebius iam auth-public-key generate --service-account-id SA_ID --output ~/.nebius/credentials.json");
                return;
            }

            if (key.Text != null && key.Text.Length == 0)
            {
                Fail(CheckStatus.InvalidCredentials, Paths.ServiceAccountKeyFile + " exists but is empty", "Generate a new key: nebius iam auth-public-key generate --service-account-id SA_ID --output ~/.nebius/credentials.json");
                return;
            }

            if (key.Text != null)
            {
                KeyContent = key.Text;
                var (parsed, keyError) = NebiusServiceAccountKey.Parse(key.Text);
                if (keyError != null)
                {
                    Fail(CheckStatus.InvalidCredentials, "service-account key " + Paths.ServiceAccountKeyFile + " " + keyError, "Generate a new key: nebius iam auth-public-key generate --service-account-id SA_ID --output ~/.nebius/credentials.json");
                    return;
                }

                Key = parsed;
                TokenSource = Paths.ServiceAccountKeyFile;
                return;
            }

            Fail(CheckStatus.NoCredentials, "no Nebius credentials: " + Paths.TokenFile + " and " + Paths.ServiceAccountKeyFile + " do not exist", TokenHint);
        }

        private void AcceptToken(string raw, string source, DateTimeOffset? writtenAt)
        {
            var (token, error, warning) = NebiusTokenFormat.Check(raw);
            TokenSource = source;
            TokenObtainedAt = writtenAt;
            if (error != null)
            {
                Fail(CheckStatus.InvalidCredentials, "the token in " + source + " is malformed: " + error, TokenHint);
                return;
            }

            Token = token;
            if (warning != null)
            {
                Warnings.Add(warning + " (" + source + ")");
            }
        }

        private void ReadTenant(SkyConfig skyConfig)
        {
            var configured = skyConfig.GetString("nebius.tenant_id");
            if (configured != null)
            {
                TenantId = configured.Trim();
                TenantSource = "SkyPilot config nebius.tenant_id";
            }
            else
            {
                var (text, writtenAt, error) = ReadTrimmed(Paths.TenantFile);
                if (error != null && ProblemStatus is null)
                {
                    Fail(CheckStatus.ConfigurationError, "cannot read " + Paths.TenantFile + ": " + error, TenantHint);
                }

                TenantId = string.IsNullOrEmpty(text) ? null : text;
                TenantSource = text is null ? null : Paths.TenantFile;
                TenantWrittenAt = writtenAt;
            }

            if (ProblemStatus != null)
            {
                return;
            }

            if (TenantId is null)
            {
                Fail(
                    CheckStatus.NoProject,
                    TenantSource != null ? "no Nebius tenant: " + TenantSource + " is empty" : "no Nebius tenant: " + Paths.TenantFile + " does not exist and nebius.tenant_id is not configured",
                    TenantHint);
            }
            else if (NebiusTokenFormat.LooksLikeToken(TenantId))
            {
                // Never carried further: the tenant becomes the identity's project, shown in results and transcripts.
                TenantId = null;
                Fail(CheckStatus.ConfigurationError, TenantSource + " holds what looks like an access token, not a tenant id (the value is not shown)", "Move the token to ~/.nebius/NEBIUS_IAM_TOKEN.txt and write the tenant id there instead: " + TenantHint);
            }
            else if (NebiusTokenFormat.CheckTenant(TenantId) is string tenantError)
            {
                Fail(CheckStatus.ConfigurationError, "the tenant in " + TenantSource + " is malformed: " + tenantError, TenantHint);
            }
        }

        /// <summary>The tenant file's trimmed text, or null when it is missing or cannot be read.</summary>
        internal static string? ReadTenantFile(NebiusPaths paths) => ReadTrimmed(paths.TenantFile).Text;

        private void Fail(CheckStatus status, string problem, string hint)
        {
            ProblemStatus = status;
            Problem = problem;
            Hint = hint;
        }

        /// <summary>
        /// The file's whitespace-trimmed text (null when missing, empty when blank), its write time, or a read error
        /// (also for a file larger than any credential file, which is not read).
        /// </summary>
        private static (string? Text, DateTimeOffset? WrittenAt, string? Error) ReadTrimmed(string path)
        {
            try
            {
                var bytes = SmallFile.TryRead(path);
                if (bytes is null)
                {
                    return (null, null, null);
                }

                string text;
                using (var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
                {
                    text = reader.ReadToEnd().Trim();
                }

                return (text, new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero), null);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return (null, null, null);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return (null, null, e.Message);
            }
        }
    }
}
