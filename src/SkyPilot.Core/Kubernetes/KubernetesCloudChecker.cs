using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>
    /// The Kubernetes compute check, per allowed context: what SkyPilot does (list pods in the namespace, 5 s timeout),
    /// plus a SelfSubjectAccessReview for each access a launch needs on pods and services, so the missing ones are named,
    /// and SelfSubjectReview (whoami) for the account. Enabled when any allowed context passes, as in SkyPilot.
    /// Kubernetes has no storage capability in SkyPilot.
    /// </summary>
    public sealed class KubernetesCloudChecker : ICloudChecker
    {
        /// <summary>SkyPilot's <c>API_TIMEOUT</c> for the check's calls.</summary>
        private static readonly TimeSpan ApiTimeout = TimeSpan.FromSeconds(5);

        private readonly ISkyLog _log;
        private readonly Func<DateTimeOffset> _clock;
        private readonly string _serviceAccountDirectory;
        private readonly ExecCredentialProvider _exec;

        public KubernetesCloudChecker(ISkyLog log, Func<DateTimeOffset>? clock = null)
            : this(log, clock, KubernetesIdentityResolver.DefaultServiceAccountDirectory)
        {
        }

        internal KubernetesCloudChecker(ISkyLog log, Func<DateTimeOffset>? clock, string serviceAccountDirectory)
        {
            _log = log;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
            _serviceAccountDirectory = serviceAccountDirectory;
            _exec = new ExecCredentialProvider(log, _clock);
        }

        public string Cloud => KnownClouds.Kubernetes;

        public IReadOnlyList<Capability> SupportedCapabilities { get; } = new[] { Capability.Compute };

        public ResolvedCloud Resolve(SkyEnvironment environment)
        {
            var (identity, resolution) = KubernetesIdentityResolver.Resolve(environment, _clock(), _serviceAccountDirectory);
            return new ResolvedCloud<KubernetesResolution>(identity, environment, resolution, CheckAsync);
        }

        private async Task<IReadOnlyList<CapabilityResult>> CheckAsync(ResolvedCloud<KubernetesResolution> resolved, IReadOnlyCollection<Capability> capabilities, CancellationToken cancellationToken)
        {
            if (!capabilities.Contains(Capability.Compute))
            {
                return Array.Empty<CapabilityResult>();
            }

            var stopwatch = Stopwatch.StartNew();
            var identity = resolved.Identity;
            if (!identity.IsUsable)
            {
                return new[] { Result(identity, identity.ProblemStatus!.Value, identity.Problem!, identity.Hint, Array.Empty<string>(), Array.Empty<string>(), stopwatch) };
            }

            var targets = resolved.State.Targets;
            var outcomes = await Task.WhenAll(targets.Select(t => CheckContextAsync(resolved.Environment, t, cancellationToken))).ConfigureAwait(false);
            var accounts = outcomes.Select(o => o.Account).Where(a => a != null).Distinct().ToList();
            if (accounts.Count == 1)
            {
                identity = identity with { Account = accounts[0] };
            }

            var tested = KubernetesPermissions.Names;
            if (outcomes.Length == 1)
            {
                var only = outcomes[0];
                return new[] { Result(identity, only.Status, only.Reason, only.Hint, only.Tested ? tested : Array.Empty<string>(), only.Missing, stopwatch) };
            }

            var passed = outcomes.Where(o => o.Status == CheckStatus.Allowed).ToList();
            var summary = string.Join("; ", outcomes.Select(o => "context " + o.Context + ": " + (o.Status == CheckStatus.Allowed ? "enabled" : o.Reason)));
            if (passed.Count > 0)
            {
                return new[] { Result(identity, CheckStatus.Allowed, "enabled in " + string.Join(", ", passed.Select(p => p.Context)) + " (" + summary + ")", null, tested, Array.Empty<string>(), stopwatch) };
            }

            var first = outcomes[0];
            var missing = outcomes.SelectMany(o => o.Missing.Select(m => o.Context + ": " + m)).ToList();
            var hint = string.Join("; ", outcomes.Where(o => o.Hint != null).Select(o => o.Context + ": " + o.Hint));
            return new[] { Result(identity, first.Status, summary, hint, tested, missing, stopwatch) };
        }

        private async Task<ContextOutcome> CheckContextAsync(SkyEnvironment env, KubeTarget target, CancellationToken cancellationToken)
        {
            if (target.ProblemStatus != null)
            {
                return ContextOutcome.Failed(target, target.ProblemStatus.Value, target.Problem!, target.Hint);
            }

            string? token = target.Token ?? target.AuthProviderIdToken;
            var clientCertificate = target.ClientCertificate;
            var clientKey = target.ClientKey;
            if (target.Auth == KubeAuthKind.AuthProvider && target.AuthProviderName != "oidc")
            {
                return ContextOutcome.Failed(target, CheckStatus.InvalidCredentials, "the kubeconfig user uses the '" + target.AuthProviderName + "' auth-provider, which kubectl removed in 1.26", target.AuthProviderName == "gcp"
                    ? "Install gke-gcloud-auth-plugin and run: gcloud container clusters get-credentials CLUSTER"
                    : "Switch the user to an exec credential plugin (e.g. kubelogin), then retry.");
            }

            if (target.Auth == KubeAuthKind.Exec)
            {
                try
                {
                    var credential = await _exec.GetAsync(env, target, cancellationToken).ConfigureAwait(false);
                    token = credential.Token ?? token;
                    clientCertificate = credential.ClientCertificate ?? clientCertificate;
                    clientKey = credential.ClientKey ?? clientKey;
                }
                catch (ExecPluginException e)
                {
                    return ContextOutcome.Failed(target, e.Status, e.Message, e.Hint);
                }
            }

            if (clientCertificate != null && clientKey != null)
            {
                if (!KubeTls.ClientCertificatesSupported)
                {
                    return ContextOutcome.Failed(target, CheckStatus.Unavailable, "context " + target.Name + " authenticates with a client certificate, which Windows PowerShell 5.1 cannot present", "Run the check in PowerShell 7 (pwsh).");
                }

                if (KubeTls.ClientCertificateProblem(clientCertificate, clientKey) is string problem)
                {
                    return ContextOutcome.Failed(target, CheckStatus.InvalidCredentials, problem, "Check client-certificate(-data) and client-key(-data) of user '" + target.UserName + "' are a PEM certificate and its key.");
                }
            }

            var authorization = token != null
                ? new AuthenticationHeaderValue("Bearer", token)
                : target.Username != null
                    ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(target.Username + ":" + (target.Password ?? string.Empty))))
                    : null;
            var settings = Settings(env);
            var client = new KubeApiClient(KubeTls.Client(target, clientCertificate, clientKey), settings, _log, target.Server!, authorization);
            var list = client.ListPodsAsync(target.Namespace, cancellationToken);
            var whoami = client.WhoAmIAsync(cancellationToken);
            var reviews = KubernetesPermissions.Required.Select(a => client.CanIAsync(a, target.Namespace, cancellationToken)).ToList();
            try
            {
                await Task.WhenAll(new Task[] { list, whoami }.Concat(reviews)).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException) || !cancellationToken.IsCancellationRequested)
            {
                // Inspected below: the pod list decides reachability and authentication; the reviews name what is missing.
            }

            cancellationToken.ThrowIfCancellationRequested();
            var account = whoami.Status == TaskStatus.RanToCompletion ? whoami.Result : null;
            if (list.IsFaulted)
            {
                var failure = list.Exception!.GetBaseException();
                if (!(failure is KubeApiException api) || api.StatusCode != 403)
                {
                    return ContextOutcome.ForFailure(target, failure, settings) with { Account = account };
                }
            }

            var reviewsDone = reviews.All(r => r.Status == TaskStatus.RanToCompletion);
            var missing = reviewsDone
                ? KubernetesPermissions.Required.Where((a, i) => !reviews[i].Result).Select(a => a.Name).ToList()
                : new List<string>();
            if (list.IsFaulted && !missing.Contains("list pods"))
            {
                missing.Insert(0, "list pods");
            }

            var who = account ?? target.LocalAccount ?? "the user of context " + target.Name;
            if (missing.Count > 0)
            {
                return new ContextOutcome(target.Name, CheckStatus.MissingPermissions,
                    who + " lacks " + string.Join(", ", missing) + " in namespace " + target.Namespace + " of context " + target.Name,
                    "Ask the cluster admin for SkyPilot's role in namespace " + target.Namespace + " (" + KubernetesPermissions.DocsUrl + "); check with: kubectl auth can-i " + missing[0] + " -n " + target.Namespace + " --context " + target.Name)
                {
                    Missing = missing,
                    Tested = reviewsDone,
                    Account = account,
                };
            }

            if (!reviewsDone)
            {
                var failure = reviews.First(r => r.IsFaulted).Exception!.GetBaseException();
                return new ContextOutcome(target.Name, CheckStatus.Allowed,
                    who + " can list pods in namespace " + target.Namespace + " of context " + target.Name + "; the other permissions were not verified (access review failed: " + Redactor.Redact(failure.Message) + ")", null)
                {
                    Account = account,
                };
            }

            return new ContextOutcome(target.Name, CheckStatus.Allowed, who + " can create and manage pods and services in namespace " + target.Namespace + " of context " + target.Name + " (" + target.Server + ")", null)
            {
                Tested = true,
                Account = account,
            };
        }

        private static string CanIArguments(string name) =>
            KubernetesPermissions.Required.FirstOrDefault(a => a.Name == name)?.CanIArguments ?? name;

        private static HttpSettings Settings(SkyEnvironment env)
        {
            var settings = HttpSettings.FromEnvironment(env);
            return settings.With(
                attemptTimeout: env.Settings.IsGiven(SkySettings.HttpTimeoutSeconds) ? settings.AttemptTimeout : ApiTimeout,
                maxAttempts: Math.Min(settings.MaxAttempts, 2));
        }

        private CapabilityResult Result(CloudIdentity identity, CheckStatus status, string reason, string? hint, IReadOnlyList<string> tested, IReadOnlyList<string> missing, Stopwatch stopwatch) => new CapabilityResult
        {
            Cloud = KnownClouds.Kubernetes,
            Capability = Capability.Compute,
            Status = status,
            Reason = reason,
            Hint = string.IsNullOrEmpty(hint) ? null : hint,
            PermissionsTested = tested,
            MissingPermissions = missing,
            Identity = identity,
            CheckedAt = _clock(),
            Duration = stopwatch.Elapsed,
        };

        private sealed record ContextOutcome(string Context, CheckStatus Status, string Reason, string? Hint)
        {
            public IReadOnlyList<string> Missing { get; init; } = Array.Empty<string>();

            public bool Tested { get; init; }

            public string? Account { get; init; }

            public static ContextOutcome Failed(KubeTarget target, CheckStatus status, string reason, string? hint) => new ContextOutcome(target.Name, status, reason, hint);

            public static ContextOutcome ForFailure(KubeTarget target, Exception failure, HttpSettings settings)
            {
                var gone = "Check that the cluster is running and reachable: kubectl --context " + target.Name + " get pods; if it is gone, remove the context: kubectl config delete-context " + target.Name;
                switch (failure)
                {
                    case KubeApiException api when api.StatusCode == 401:
                        var expired = JwtClaims.Expiry(target.Token) is DateTimeOffset exp && exp <= DateTimeOffset.UtcNow;
                        return Failed(target, expired ? CheckStatus.CredentialsExpired : CheckStatus.AuthenticationFailed,
                            expired ? "the token of context " + target.Name + " has expired (the API server answered 401)" : "Invalid credentials - do you have permission to access the cluster? (context " + target.Name + ", HTTP 401)",
                            target.Auth == KubeAuthKind.Exec ? "Log in again with the tool behind " + target.Exec!.DisplayCommand + ", then retry." : "Get new credentials for context " + target.Name + " from the cluster admin, or re-run the command that wrote the kubeconfig.");
                    case KubeApiException api:
                        return Failed(target, CheckStatus.Unreachable, "Failed to communicate with the cluster: HTTP " + api.StatusCode + " " + api.Message + " (context " + target.Name + ")", gone);
                    case ServiceUnreachableException unreachable when IsTls(unreachable):
                        return Failed(target, CheckStatus.ConfigurationError, "the API server " + target.Server + " of context " + target.Name + " did not present a certificate the kubeconfig trusts (" + unreachable.Detail + ")",
                            "Check certificate-authority(-data) of cluster '" + target.ClusterName + "' matches the server; a recreated cluster needs a fresh kubeconfig.");
                    case ServiceUnreachableException unreachable:
                        return Failed(target, CheckStatus.Unreachable, "Failed to communicate with the cluster at " + target.Server + ": " + unreachable.Detail + " (timeout " + settings.AttemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s, context " + target.Name + ")", gone);
                    default:
                        return Failed(target, CheckStatus.Unreachable, "Failed to communicate with the cluster: " + Redactor.Redact(failure.Message) + " (context " + target.Name + ")", gone);
                }
            }

            private static bool IsTls(Exception e)
            {
                return SkyException.Chain(e).Any(inner => inner is System.Security.Authentication.AuthenticationException);
            }
        }
    }
}
