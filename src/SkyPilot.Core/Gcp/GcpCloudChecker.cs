using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Gcp
{
    /// <summary>
    /// GCP compute and storage checks: one Resource Manager <c>testIamPermissions</c> call for both permission lists,
    /// in parallel with a Compute Engine <c>projects.get</c> that reveals a disabled API.
    /// </summary>
    public sealed class GcpCloudChecker : ICloudChecker
    {
        // Digests of credentials tokeninfo answered for with no email (no email scope) or refused: asking again would
        // get the same answer, so each credential costs at most one tokeninfo request per process.
        private static readonly ConcurrentDictionary<string, bool> Unlearnable = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        private readonly HttpClient _http;
        private readonly ISkyLog _log;
        private readonly Func<DateTimeOffset> _clock;
        private readonly IGoogleTokenSource? _tokens;

        public GcpCloudChecker(HttpClient http, ISkyLog log, Func<DateTimeOffset>? clock = null)
            : this(http, log, clock, null)
        {
        }

        internal GcpCloudChecker(HttpClient http, ISkyLog log, Func<DateTimeOffset>? clock, IGoogleTokenSource? tokens)
        {
            _http = http;
            _log = log;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
            _tokens = tokens;
        }

        public string Cloud => KnownClouds.Gcp;

        public IReadOnlyList<Capability> SupportedCapabilities { get; } = new[] { Capability.Compute, Capability.Storage };

        public ResolvedCloud Resolve(SkyEnvironment environment)
        {
            var resolution = GcpIdentityResolver.ResolveOnce(environment, _clock);
            return new ResolvedCloud<GcpResolution>(resolution.Identity, environment, resolution, CheckAsync);
        }

        public CloudIdentity ResolveIdentity(SkyEnvironment environment) => Resolve(environment).Identity;

        private async Task<IReadOnlyList<CapabilityResult>> CheckAsync(ResolvedCloud<GcpResolution> resolved, IReadOnlyCollection<Capability> capabilities, CancellationToken cancellationToken)
        {
            var stopwatch = Stopwatch.StartNew();
            var environment = resolved.Environment;
            var resolution = resolved.State;
            var identity = resolution.Identity;
            var required = capabilities.Distinct().ToDictionary(c => c, c => GcpPermissions.For(c, resolution.SkyConfig));
            var build = new ResultBuilder(identity, required, _clock, stopwatch);

            if (!identity.IsUsable)
            {
                return build.All(identity.ProblemStatus!.Value, identity.Problem!, identity.Hint);
            }

            var settings = HttpSettings.FromEnvironment(environment, _log);
            var rest = new GoogleRestClient(new RetryingHttpSender(_http, settings, _log));
            var endpoints = new GoogleEndpoints(environment, resolution.Gcloud.Properties);
            var tokens = _tokens ?? new GoogleAuthTokenSource(settings, _log);

            string token;
            try
            {
                token = await tokens.GetAccessTokenAsync(resolution.Credential, cancellationToken).ConfigureAwait(false);
            }
            catch (GoogleAuthException e)
            {
                return build.All(e.Status, e.Message, e.Hint);
            }

            var learnTask = LearnAccountAsync(environment, resolution, endpoints, settings, token, cancellationToken);
            var project = identity.Project!;
            var allPermissions = required.Values.SelectMany(p => p).Distinct().ToList();
            var iamTask = new ResourceManagerClient(rest, endpoints.BaseUrl(GoogleApi.ResourceManager))
                .TestIamPermissionsAsync(project, allPermissions, token, cancellationToken);
            var computeTask = required.ContainsKey(Capability.Compute)
                ? new ComputeClient(rest, endpoints.BaseUrl(GoogleApi.Compute)).GetProjectAsync(project, token, cancellationToken)
                : Task.CompletedTask;
            await WhenAllSettled(iamTask, computeTask, learnTask).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (learnTask.Status == TaskStatus.RanToCompletion && learnTask.Result is string learned)
            {
                identity = GcpIdentityResolver.WithLearnedAccount(identity, learned);
                build = new ResultBuilder(identity, required, _clock, stopwatch);
            }

            var computeFailure = computeTask.IsFaulted ? computeTask.Exception!.GetBaseException() : null;
            if (iamTask.IsFaulted)
            {
                var (status, reason, hint) = GcpCheckOutcomes.ForFailure(iamTask.Exception!.GetBaseException(), GoogleApi.ResourceManager, identity);
                return required.Keys.Select(c => c == Capability.Compute && IsServiceDisabled(computeFailure)
                    ? build.Disabled(c, computeFailure!, Array.Empty<string>())
                    : build.One(c, status, reason, hint, Array.Empty<string>())).ToList();
            }

            var granted = new HashSet<string>(iamTask.Result, StringComparer.Ordinal);
            return required.Keys.Select(c => Evaluate(c, granted, c == Capability.Compute ? computeFailure : null, build, identity)).ToList();
        }

        private static CapabilityResult Evaluate(Capability capability, HashSet<string> granted, Exception? apiFailure, ResultBuilder build, CloudIdentity identity)
        {
            var tested = build.Required[capability];
            var missing = tested.Where(p => !granted.Contains(p)).ToList();
            if (IsServiceDisabled(apiFailure))
            {
                return build.Disabled(capability, apiFailure!, missing);
            }

            if (missing.Count > 0)
            {
                return build.One(capability, CheckStatus.MissingPermissions, GcpCheckOutcomes.MissingReason(missing, tested.Count), GcpCheckOutcomes.MissingHint(missing, identity), missing);
            }

            if (apiFailure != null)
            {
                var (status, reason, hint) = GcpCheckOutcomes.ForFailure(apiFailure, GoogleApi.Compute, identity);
                return build.One(capability, status, "permissions held, but the Compute Engine API check failed: " + reason, hint, missing);
            }

            var detail = capability == Capability.Compute ? "; Compute Engine API enabled" : string.Empty;
            return build.One(capability, CheckStatus.Allowed, "all " + tested.Count + " required permissions held" + detail, null, missing);
        }

        /// <summary>
        /// For a credential that names no account: asks tokeninfo once for the token's email and remembers it by
        /// credential digest, so later resolutions know it locally. Never fails the check: any failure is a verbose
        /// line and a null account.
        /// </summary>
        private async Task<string?> LearnAccountAsync(SkyEnvironment environment, GcpResolution resolution, GoogleEndpoints endpoints, HttpSettings settings, string token, CancellationToken cancellationToken)
        {
            var credential = resolution.Credential;
            if (resolution.Identity.Account != null || !credential.AccountIsLearned)
            {
                return null;
            }

            var digest = AdcAccountStore.DigestOf(credential.Content!);
            if (Unlearnable.ContainsKey(digest))
            {
                return null;
            }

            // One retry at most: the account is a nicety, and the permission calls run meanwhile.
            var sender = new RetryingHttpSender(_http, settings.With(maxAttempts: Math.Min(settings.MaxAttempts, 2)), _log);
            try
            {
                var info = await new TokenInfoClient(sender, endpoints.BaseUrl(GoogleApi.OAuth2)).GetAsync(token, cancellationToken).ConfigureAwait(false);
                if (info.Email is null)
                {
                    Unlearnable[digest] = true;
                    _log.Verbose("tokeninfo names no email for the " + credential.Type + " credential " + credential.Path + " (scopes: " + (info.Scope ?? "none") + "); its account stays unknown");
                    return null;
                }

                if (!await AdcAccountStore.For(environment).RememberAsync(digest, info.Email, _clock(), _log, cancellationToken).ConfigureAwait(false))
                {
                    _log.Verbose("could not remember the account of " + credential.Path + " in " + AdcAccountStore.For(environment).Path + "; tokeninfo will be asked again next time");
                }

                return info.Email;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (GoogleApiException e) when (e.Error.StatusCode >= 400 && e.Error.StatusCode < 500 && e.Error.StatusCode != 429)
            {
                Unlearnable[digest] = true;
                _log.Verbose("tokeninfo refused the token of " + credential.Path + " (" + Redactor.Redact(e.Message) + "); its account stays unknown");
                return null;
            }
            catch (Exception e)
            {
                _log.Verbose("tokeninfo failed for " + credential.Path + " (" + Redactor.Redact(e.Message) + "); its account stays unknown");
                return null;
            }
        }

        private static bool IsServiceDisabled(Exception? failure) => failure is GoogleApiException api && api.Error.IsServiceDisabled;

        private static async Task WhenAllSettled(params Task[] tasks)
        {
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch
            {
                // Each task's outcome is inspected separately.
            }
        }

        private sealed class ResultBuilder
        {
            private readonly CloudIdentity _identity;
            private readonly Func<DateTimeOffset> _clock;
            private readonly Stopwatch _stopwatch;

            public ResultBuilder(CloudIdentity identity, Dictionary<Capability, IReadOnlyList<string>> required, Func<DateTimeOffset> clock, Stopwatch stopwatch)
            {
                _identity = identity;
                Required = required;
                _clock = clock;
                _stopwatch = stopwatch;
            }

            public Dictionary<Capability, IReadOnlyList<string>> Required { get; }

            public IReadOnlyList<CapabilityResult> All(CheckStatus status, string reason, string? hint)
            {
                return Required.Keys.Select(c => One(c, status, reason, hint, Array.Empty<string>())).ToList();
            }

            public CapabilityResult Disabled(Capability capability, Exception failure, IReadOnlyList<string> missing)
            {
                var error = ((GoogleApiException)failure).Error;
                var (status, reason, hint) = GcpCheckOutcomes.ApiDisabled(error.DisabledService ?? GoogleApi.Compute.ServiceName, _identity.Project!);
                return One(capability, status, reason, hint, missing);
            }

            public CapabilityResult One(Capability capability, CheckStatus status, string reason, string? hint, IReadOnlyList<string> missing)
            {
                return new CapabilityResult
                {
                    Cloud = KnownClouds.Gcp,
                    Capability = capability,
                    Status = status,
                    PermissionsTested = Required[capability],
                    MissingPermissions = missing,
                    Reason = reason,
                    Hint = hint,
                    Identity = _identity,
                    CheckedAt = _clock(),
                    Duration = _stopwatch.Elapsed,
                };
            }
        }
    }
}
