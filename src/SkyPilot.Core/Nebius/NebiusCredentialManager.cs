using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;
using SkyPilot.Core.Grpc;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Nebius
{
    /// <summary>
    /// Validates and writes Nebius credentials (<c>Update-SkyNebiusCredential</c>): format, then tenant shape, then the
    /// API; files are replaced atomically with owner-only permissions, and never with a credential the API rejected.
    /// </summary>
    public sealed class NebiusCredentialManager
    {
        private readonly IGrpcCaller _caller;
        private readonly Func<DateTimeOffset> _clock;

        public NebiusCredentialManager(IGrpcCaller caller, Func<DateTimeOffset>? clock = null)
        {
            _caller = caller;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>
        /// The whole update before anything is written: with <paramref name="fromCli"/> the token (and the tenant, when
        /// none is given and the tenant file holds none usable) comes from the Nebius CLI; then the candidate is
        /// validated (<see cref="ValidateAsync"/>). Null when there is nothing to write (a plain refresh).
        /// </summary>
        /// <exception cref="NebiusCredentialException">The CLI failed, or a step refused the candidate.</exception>
        public async Task<NebiusCredentialUpdate?> PrepareAsync(
            SkyEnvironment environment, string? token, string? tenantId, bool fromCli, bool allowUnreachable, CancellationToken cancellationToken)
        {
            if (fromCli)
            {
                var cli = await FromCliAsync(environment, NeedsTenantFromCli(environment, tenantId), cancellationToken).ConfigureAwait(false);
                token = cli.Token;
                tenantId = tenantId ?? cli.TenantId;
            }

            if (token is null && tenantId is null)
            {
                return null;
            }

            var (validationWarnings, _) = await ValidateAsync(environment, token, tenantId, allowUnreachable, cancellationToken).ConfigureAwait(false);
            var warnings = new List<string>(validationWarnings);
            if (EnvironmentTokenWarning(environment, token) is string precedence)
            {
                warnings.Add(precedence);
            }

            return new NebiusCredentialUpdate(token, tenantId, Targets(new NebiusPaths(environment), token, tenantId), warnings);
        }

        /// <summary>True when no tenant is given and the tenant file holds no usable tenant id (missing, unreadable or malformed).</summary>
        internal static bool NeedsTenantFromCli(SkyEnvironment environment, string? tenantId) =>
            tenantId is null && NebiusTokenFormat.CheckTenant(NebiusLocalState.ReadTenantFile(new NebiusPaths(environment))) != null;

        /// <summary><c>NEBIUS_IAM_TOKEN</c> wins over the token file (as in <see cref="NebiusLocalState"/>): writing a token while it is set changes nothing the checks use.</summary>
        internal static string? EnvironmentTokenWarning(SkyEnvironment environment, string? token) =>
            token != null && environment.Get("NEBIUS_IAM_TOKEN") != null
                ? "NEBIUS_IAM_TOKEN is set and takes precedence over the token file just written; remove it ('Remove-Item Env:NEBIUS_IAM_TOKEN') to use the file"
                : null;

        private static IReadOnlyList<string> Targets(NebiusPaths paths, string? token, string? tenantId)
        {
            var targets = new List<string>();
            if (token != null)
            {
                targets.Add(paths.TokenFile);
            }

            if (tenantId != null)
            {
                targets.Add(paths.TenantFile);
            }

            return targets;
        }

        /// <summary>
        /// Checks a candidate token and/or tenant (null keeps what is on disk) in order: format, tenant shape, API.
        /// Returns warnings and the account the API names. With <paramref name="allowUnreachable"/>, an API that cannot
        /// be reached is a warning instead of a refusal.
        /// </summary>
        /// <exception cref="NebiusCredentialException">A step refused the candidate.</exception>
        public async Task<(IReadOnlyList<string> Warnings, string? Account)> ValidateAsync(
            SkyEnvironment environment, string? token, string? tenantId, bool allowUnreachable, CancellationToken cancellationToken)
        {
            var warnings = new List<string>();
            var state = NebiusLocalState.Read(environment, SkyConfig.Load(environment));
            if (token != null)
            {
                var (trimmed, error, warning) = NebiusTokenFormat.Check(token);
                if (error != null)
                {
                    throw new NebiusCredentialException(NebiusValidationStep.Format, "The token was refused: " + error + ". Nothing was written.", "Paste the whole output of 'nebius iam get-access-token', or use -FromCli.");
                }

                token = trimmed;
                if (warning != null)
                {
                    warnings.Add(warning);
                }
            }

            var tenant = tenantId?.Trim() ?? state.TenantId;
            var tenantError = NebiusTokenFormat.CheckTenant(tenant);
            if (tenantError != null)
            {
                throw new NebiusCredentialException(NebiusValidationStep.Tenant, "The tenant was refused: " + tenantError + ". Nothing was written.", NebiusLocalState.TenantHint);
            }

            var account = await ValidateWithApiAsync(environment, state, token, tenant!, allowUnreachable, warnings, cancellationToken).ConfigureAwait(false);
            return (warnings, account);
        }

        private async Task<string?> ValidateWithApiAsync(SkyEnvironment environment, NebiusLocalState state, string? token, string tenant, bool allowUnreachable, List<string> warnings, CancellationToken cancellationToken)
        {
            if (!_caller.IsSupported)
            {
                return Unreachable("the Nebius API cannot be called from Windows PowerShell 5.1, so the credential could not be validated", allowUnreachable, warnings);
            }

            if (NebiusEndpoints.Problem(environment, state.Domain) is string endpointProblem)
            {
                throw new NebiusCredentialException(NebiusValidationStep.Api, "Could not validate the credential: " + endpointProblem + ". Nothing was written.", NebiusEndpoints.Hint);
            }

            var client = new NebiusIamClient(_caller, new NebiusEndpoints(environment, state.Domain), HttpSettings.FromEnvironment(environment).AttemptTimeout);
            var identity = new CloudIdentity { Cloud = KnownClouds.Nebius, Project = tenant };
            try
            {
                var usable = token ?? state.Token;
                if (usable is null && state.Key != null)
                {
                    var digest = state.KeyContent is null ? null : FingerprintKey.KeyedDigest(environment, state.KeyContent, 32);
                    usable = await new NebiusTokenProvider(_clock).GetTokenAsync(state, digest, client, cancellationToken).ConfigureAwait(false);
                }

                if (usable is null)
                {
                    throw new NebiusCredentialException(NebiusValidationStep.Api, "There is no token to validate the tenant with. Nothing was written.", NebiusLocalState.TokenHint);
                }

                await client.ListProjectsAsync(usable, tenant, cancellationToken).ConfigureAwait(false);
                try
                {
                    return (await client.GetProfileAsync(usable, cancellationToken).ConfigureAwait(false)).DisplayName;
                }
                catch (GrpcCallException)
                {
                    return null;
                }
            }
            catch (GrpcCallException e)
            {
                var (status, reason, hint) = NebiusCheckOutcomes.ForFailure(e, identity, _clock());
                if (status == CheckStatus.Unreachable)
                {
                    return Unreachable(reason, allowUnreachable, warnings);
                }

                throw new NebiusCredentialException(NebiusValidationStep.Api, "The Nebius API refused the credential: " + reason + ". Nothing was written.", hint);
            }
        }

        private static string? Unreachable(string reason, bool allowUnreachable, List<string> warnings)
        {
            if (!allowUnreachable)
            {
                throw new NebiusCredentialException(NebiusValidationStep.Api, "Could not validate the credential: " + reason + ". Nothing was written.", "Retry when the API is reachable, or add -Force to write without validation.", apiUnreachable: true);
            }

            warnings.Add("written without validation: " + reason);
            return null;
        }

        /// <summary>Atomically writes a prepared update, owner-only. Returns the paths written.</summary>
        public IReadOnlyList<string> Write(SkyEnvironment environment, NebiusCredentialUpdate update) => Write(environment, update.Token, update.TenantId);

        /// <summary>Atomically writes the token and/or tenant files, owner-only. Returns the paths written.</summary>
        public IReadOnlyList<string> Write(SkyEnvironment environment, string? token, string? tenantId)
        {
            var paths = new NebiusPaths(environment);
            var written = new List<string>();
            try
            {
                OwnerOnlyFile.EnsureDirectory(paths.Directory);
                OwnerOnlyFile.RestrictDirectory(paths.Directory); // an existing ~/.nebius may be 0755: credentials go in
                if (token != null)
                {
                    OwnerOnlyFile.WriteAtomically(paths.TokenFile, NebiusTokenFormat.Check(token).Token + "\n");
                    written.Add(paths.TokenFile);
                }

                if (tenantId != null)
                {
                    OwnerOnlyFile.WriteAtomically(paths.TenantFile, tenantId.Trim() + "\n");
                    written.Add(paths.TenantFile);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new NebiusCredentialException(NebiusValidationStep.Write, "Could not write " + paths.Directory + ": " + e.Message + (written.Count > 0 ? " (already written: " + string.Join(", ", written) + ")" : " Nothing was written."), "Check the permissions of " + paths.Directory + ".", inner: e);
            }

            return written;
        }

        /// <summary>
        /// Gets a token from the Nebius CLI (<c>nebius iam get-access-token</c>) and, when asked, the first tenant from
        /// <c>nebius --format json iam whoami</c>. The CLI is <c>nebius</c> on the PATH, or <c>SKYPILOT_PS_NEBIUS_CLI</c>.
        /// </summary>
        public async Task<(string Token, string? TenantId)> FromCliAsync(SkyEnvironment environment, bool needTenant, CancellationToken cancellationToken)
        {
            var cli = environment.Get("SKYPILOT_PS_NEBIUS_CLI") ?? "nebius";
            var token = (await RunCliAsync(cli, new[] { "iam", "get-access-token" }, cancellationToken).ConfigureAwait(false)).Trim();
            if (!needTenant)
            {
                return (token, null);
            }

            var whoami = await RunCliAsync(cli, new[] { "--format", "json", "iam", "whoami" }, cancellationToken).ConfigureAwait(false);
            try
            {
                var tenant = (string?)JObject.Parse(whoami)["user_profile"]?["tenants"]?.FirstOrDefault()?["tenant_id"];
                return (token, string.IsNullOrEmpty(tenant) ? null : tenant);
            }
            catch (JsonException)
            {
                throw new NebiusCredentialException(NebiusValidationStep.Cli, "'" + cli + " --format json iam whoami' did not print JSON.", "Run it by hand to see what it says, or pass -TenantId.");
            }
        }

        private static async Task<string> RunCliAsync(string cli, string[] arguments, CancellationToken cancellationToken)
        {
            var command = cli + " " + string.Join(" ", arguments);
            ProcessRunner.Result result;
            try
            {
                result = await ProcessRunner.RunAsync(cli, arguments, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            }
            catch (Win32Exception e)
            {
                throw new NebiusCredentialException(NebiusValidationStep.Cli, "The Nebius CLI ('" + cli + "') could not be started: " + e.Message + ".", "Install it (https://docs.nebius.com/cli/install) or set SKYPILOT_PS_NEBIUS_CLI to its path.", inner: e);
            }
            catch (TimeoutException e)
            {
                throw new NebiusCredentialException(NebiusValidationStep.Cli, "'" + command + "' did not finish within 60 s.", "Run it by hand: it may be waiting for a browser login ('nebius profile create').", inner: e);
            }

            if (result.ExitCode != 0)
            {
                var stderr = Redactor.Redact(result.Stderr.Trim());
                throw new NebiusCredentialException(NebiusValidationStep.Cli, "'" + command + "' failed with exit code " + result.ExitCode + (stderr.Length > 0 ? ": " + stderr : "."), "Run it by hand; you may need 'nebius profile create' first.");
            }

            return result.Stdout;
        }

        /// <summary>The status object for a compute check of Nebius (never the token).</summary>
        public static NebiusCredentialStatus StatusFrom(CloudCheckResult result, bool written, IEnumerable<string>? extraWarnings = null)
        {
            var compute = result.Compute;
            var identity = result.Identity;
            return new NebiusCredentialStatus
            {
                TenantId = identity.Project,
                Identity = identity.Account,
                Source = identity.CredentialSource,
                CredentialType = identity.CredentialType,
                ObtainedAt = identity.CredentialObtainedAt,
                ExpectedExpiry = identity.CredentialExpiresAt,
                Valid = compute?.Allowed == true,
                Status = compute?.Status ?? CheckStatus.Unavailable,
                Reason = compute?.Reason ?? string.Empty,
                Hint = compute?.Hint,
                Written = written,
                Warnings = identity.Warnings.Concat(extraWarnings ?? Enumerable.Empty<string>()).ToList(),
            };
        }
    }
}
