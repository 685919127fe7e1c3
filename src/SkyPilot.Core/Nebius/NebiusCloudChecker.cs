using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Grpc;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Nebius
{
    /// <summary>
    /// Nebius checks as SkyPilot makes them, with credentials read at every call. Compute: a token or key exists, a
    /// tenant is known, and <c>ProjectService/List</c> for the tenant succeeds (the identity comes from
    /// <c>ProfileService/Get</c>). Storage: the <c>nebius</c> AWS profile exists.
    /// </summary>
    public sealed class NebiusCloudChecker : ICloudChecker
    {
        private readonly IGrpcCaller _caller;
        private readonly Func<DateTimeOffset> _clock;
        private readonly NebiusTokenProvider _tokens;

        public NebiusCloudChecker(IGrpcCaller caller, Func<DateTimeOffset>? clock = null)
        {
            _caller = caller;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
            _tokens = new NebiusTokenProvider(_clock);
        }

        /// <summary>The caller this build supports: HTTP/2 on .NET 8+, none on .NET Framework.</summary>
        public static IGrpcCaller DefaultCaller(ISkyLog log)
        {
#if NET8_0_OR_GREATER
            return new GrpcNetCaller(log);
#else
            return new UnsupportedGrpcCaller();
#endif
        }

        public string Cloud => KnownClouds.Nebius;

        public IReadOnlyList<Capability> SupportedCapabilities { get; } = new[] { Capability.Compute, Capability.Storage };

        public ResolvedCloud Resolve(SkyEnvironment environment)
        {
            var (identity, state, _) = NebiusIdentityResolver.Resolve(environment, _clock());
            return new ResolvedCloud<NebiusLocalState>(identity, environment, state, CheckAsync);
        }

        public CloudIdentity ResolveIdentity(SkyEnvironment environment) => Resolve(environment).Identity;

        private async Task<IReadOnlyList<CapabilityResult>> CheckAsync(ResolvedCloud<NebiusLocalState> resolved, IReadOnlyCollection<Capability> capabilities, CancellationToken cancellationToken)
        {
            var stopwatch = Stopwatch.StartNew();
            var environment = resolved.Environment;
            var identity = resolved.Identity;
            var state = resolved.State;
            var results = new List<CapabilityResult>();
            if (capabilities.Contains(Capability.Compute))
            {
                var (status, reason, hint, account) = await CheckComputeAsync(environment, identity, state, cancellationToken).ConfigureAwait(false);
                if (account != null)
                {
                    identity = identity with { Account = account };
                }

                results.Add(Result(identity, Capability.Compute, status, reason, hint, stopwatch));
            }

            if (capabilities.Contains(Capability.Storage))
            {
                var problem = NebiusStorageCheck.FindProblem(environment);
                results.Add(problem is null
                    ? Result(identity, Capability.Storage, CheckStatus.Allowed, "the nebius AWS profile exists in ~/.aws/credentials and ~/.aws/config", null, stopwatch)
                    : Result(identity, Capability.Storage, CheckStatus.NoCredentials, problem, NebiusStorageCheck.Hint, stopwatch));
            }

            // Every result carries the identity as finally known (the account learned from the profile call).
            return results.Select(r => r with { Identity = identity }).ToList();
        }

        private async Task<(CheckStatus, string, string?, string?)> CheckComputeAsync(SkyEnvironment environment, CloudIdentity identity, NebiusLocalState state, CancellationToken cancellationToken)
        {
            if (!identity.IsUsable)
            {
                return (identity.ProblemStatus!.Value, identity.Problem!, identity.Hint, null);
            }

            if (!_caller.IsSupported)
            {
                return (CheckStatus.Unavailable, "credentials and tenant found, but the Nebius API (gRPC over HTTP/2) cannot be called from Windows PowerShell 5.1", "Run the check in PowerShell 7 (pwsh) to verify the token against the API.", null);
            }

            var client = new NebiusIamClient(_caller, new NebiusEndpoints(environment, state.Domain), HttpSettings.FromEnvironment(environment).AttemptTimeout);
            string token;
            try
            {
                var keyDigest = state.KeyContent is null ? null : FingerprintKey.KeyedDigest(environment, state.KeyContent, 32);
                token = await _tokens.GetTokenAsync(state, keyDigest, client, cancellationToken).ConfigureAwait(false);
            }
            catch (GrpcCallException e)
            {
                var (status, reason, hint) = NebiusCheckOutcomes.ForFailure(e, identity, _clock());
                return (status == CheckStatus.Unreachable ? status : CheckStatus.AuthenticationFailed, "the service-account key could not be exchanged for a token: " + reason, "Check the key is registered and active: nebius iam auth-public-key list; " + hint, null);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                return (CheckStatus.InvalidCredentials, "the service-account key could not sign a token: " + e.Message, "Generate a new key: nebius iam auth-public-key generate --service-account-id SA_ID --output ~/.nebius/credentials.json", null);
            }

            var list = client.ListProjectsAsync(token, state.TenantId!, cancellationToken);
            var profile = client.GetProfileAsync(token, cancellationToken);
            try
            {
                await Task.WhenAll(list, profile).ConfigureAwait(false);
            }
            catch (GrpcCallException)
            {
                // Inspected below: the list decides; the profile only names the account.
            }

            cancellationToken.ThrowIfCancellationRequested();
            var account = profile.Status == TaskStatus.RanToCompletion ? profile.Result.DisplayName : null;
            if (list.IsFaulted)
            {
                var (status, reason, hint) = NebiusCheckOutcomes.ForFailure(list.Exception!.GetBaseException(), identity, _clock());
                return (status, reason, hint, account);
            }

            return (CheckStatus.Allowed, "the token lists tenant " + state.TenantId + "'s projects (" + list.Result + " found)", null, account);
        }

        private CapabilityResult Result(CloudIdentity identity, Capability capability, CheckStatus status, string reason, string? hint, Stopwatch stopwatch) => new CapabilityResult
        {
            Cloud = KnownClouds.Nebius,
            Capability = capability,
            Status = status,
            Reason = reason,
            Hint = hint,
            Identity = identity,
            CheckedAt = _clock(),
            Duration = stopwatch.Elapsed,
        };
    }
}
