using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Checks
{
    /// <summary>
    /// Runs the capability checks of several clouds in parallel (what <c>sky check</c> does), serving results from the
    /// identity-aware cache when they were made for the identity that is active now.
    /// </summary>
    public sealed class CloudCheckService
    {
        private static readonly Capability[] AllCapabilities = { Capability.Compute, Capability.Storage };
        private readonly Dictionary<string, Lazy<ICloudChecker>> _checkers;
        private readonly CheckCache? _cache;
        private readonly Func<DateTimeOffset> _clock;

        public CloudCheckService(IEnumerable<ICloudChecker> checkers, CheckCache? cache = null, Func<DateTimeOffset>? clock = null)
            : this(checkers.Select(c => (c.Cloud, (Func<ICloudChecker>)(() => c))), cache, clock)
        {
        }

        /// <summary>
        /// Checkers built when a call first needs their cloud: a one-cloud call never loads another cloud's code (the
        /// Nebius checker's gRPC caller alone loads Google.Protobuf), which is most of a new session's first call.
        /// </summary>
        private CloudCheckService(IEnumerable<(string Cloud, Func<ICloudChecker> Create)> checkers, CheckCache? cache, Func<DateTimeOffset>? clock)
        {
            _checkers = checkers.ToDictionary(c => c.Cloud, c => new Lazy<ICloudChecker>(c.Create), StringComparer.OrdinalIgnoreCase);
            _cache = cache;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>The service with every supported cloud and the user's cache (per <see cref="CacheSettings.FromEnvironment"/>).</summary>
        public static CloudCheckService CreateDefault(SkyEnvironment environment, ISkyLog log, HttpClient? http = null, Func<DateTimeOffset>? clock = null)
        {
            var settings = CacheSettings.FromEnvironment(environment, log);
            var cache = settings.Enabled ? new CheckCache(settings, log, clock) : null;
            var checkers = new (string, Func<ICloudChecker>)[]
            {
                (KnownClouds.Aws, () => new Aws.AwsCloudChecker(http ?? SharedHttpClient.Instance, log, clock)),
                (KnownClouds.Gcp, () => new GcpCloudChecker(http ?? SharedHttpClient.Instance, log, clock)),
                (KnownClouds.Nebius, () => new Nebius.NebiusCloudChecker(Nebius.NebiusCloudChecker.DefaultCaller(log), clock)),
                (KnownClouds.Kubernetes, () => new Kubernetes.KubernetesCloudChecker(log, clock)),
            };
            return new CloudCheckService(checkers, cache, clock);
        }

        public IReadOnlyList<string> Clouds => _checkers.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();

        public CheckCache? Cache => _cache;

        /// <summary>
        /// The entries of <paramref name="cache"/>, each marked whether it would be served now: made for the identity
        /// active now for its cloud, and not expired.
        /// </summary>
        public IReadOnlyList<CacheEntry> ValidatedEntries(CheckCache cache, SkyEnvironment environment, DateTimeOffset now) =>
            cache.Read().Validate(cloud => _checkers.ContainsKey(cloud) ? ResolveIdentity(cloud, environment) : null, now);

        /// <summary>The active identity of one cloud, from local files and environment only.</summary>
        public CloudIdentity ResolveIdentity(string cloud, SkyEnvironment environment) => Checker(cloud).Resolve(environment).Identity;

        /// <summary>
        /// Checks the given clouds (all when null) for the given capabilities (both when null), in parallel.
        /// Valid cache entries for the current identity are served unless <paramref name="refresh"/>; new results are cached.
        /// </summary>
        public async Task<IReadOnlyList<CloudCheckResult>> CheckAsync(
            SkyEnvironment environment,
            IEnumerable<string>? clouds,
            IEnumerable<Capability>? capabilities,
            bool refresh,
            CancellationToken cancellationToken)
        {
            var selected = (clouds ?? Clouds).Select(Checker).Distinct().ToList();
            var requested = (capabilities ?? AllCapabilities).Distinct().ToList();
            var snapshot = refresh ? null : _cache?.Read();
            var results = await Task.WhenAll(selected.Select(checker => CheckOneAsync(checker, environment, requested, snapshot, cancellationToken))).ConfigureAwait(false);

            if (_cache != null)
            {
                var fresh = results.SelectMany(r => r.Capabilities.Where(c => !c.FromCache));
                await _cache.StoreAsync(fresh, cancellationToken).ConfigureAwait(false);
            }

            return results;
        }

        private async Task<CloudCheckResult> CheckOneAsync(
            ICloudChecker checker,
            SkyEnvironment environment,
            IReadOnlyList<Capability> requested,
            CacheSnapshot? snapshot,
            CancellationToken cancellationToken)
        {
            var capabilities = requested.Where(checker.SupportedCapabilities.Contains).ToList();
            ResolvedCloud? resolved = null;
            CloudIdentity identity;
            try
            {
                resolved = checker.Resolve(environment);
                identity = resolved.Identity;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                identity = new CloudIdentity { Cloud = checker.Cloud, ProblemStatus = CheckStatus.ConfigurationError, Problem = e.Message, Hint = "Fix the configuration named in the problem, then retry.", ResolvedAt = _clock() };
            }

            var now = _clock();
            var cached = new List<CapabilityResult>();
            if (snapshot != null)
            {
                foreach (var capability in capabilities)
                {
                    var hit = snapshot.Find(identity, capability, now);
                    if (hit != null)
                    {
                        cached.Add(hit with { Identity = identity with { Account = identity.Account ?? hit.Identity.Account }, FromCache = true });
                    }
                }
            }

            var missing = capabilities.Where(c => cached.All(r => r.Capability != c)).ToList();
            var checkedNow = missing.Count == 0
                ? Array.Empty<CapabilityResult>()
                : resolved is null
                    ? Failed(checker, missing, identity, identity.Problem!, local: true)
                    : await CheckIsolatedAsync(checker, resolved, missing, cancellationToken).ConfigureAwait(false);

            // The identity is the one learned for these results, whichever path served them: an account a check learned
            // from the API (Nebius' profile call) is kept when a result comes from the cache or another check ran locally.
            var known = checkedNow.Count > 0 ? checkedNow[0].Identity : identity;
            var learned = checkedNow.Concat(cached).Select(r => r.Identity.Account).FirstOrDefault(a => a != null);
            if (known.Account is null && learned != null)
            {
                known = known with { Account = learned };
            }

            var all = cached.Concat(checkedNow).Select(r => r with { Identity = known }).Concat(NotApplicable(checker, requested, known)).ToList();
            return new CloudCheckResult
            {
                Cloud = checker.Cloud,
                Compute = all.FirstOrDefault(r => r.Capability == Capability.Compute),
                Storage = all.FirstOrDefault(r => r.Capability == Capability.Storage),
                Identity = known,
                CheckedAt = all.Count > 0 ? all.Max(r => r.CheckedAt) : now,
                FromCache = capabilities.Count > 0 && missing.Count == 0,
            };
        }

        /// <summary>One cloud's unexpected failure becomes its result: it never takes the other clouds' results with it.</summary>
        private async Task<IReadOnlyList<CapabilityResult>> CheckIsolatedAsync(
            ICloudChecker checker, ResolvedCloud resolved, IReadOnlyList<Capability> capabilities, CancellationToken cancellationToken)
        {
            try
            {
                return await resolved.CheckAsync(capabilities, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                var local = e is ArgumentException || e is FormatException || e is System.IO.IOException || e is UnauthorizedAccessException;
                return Failed(checker, capabilities, resolved.Identity, Http.Redactor.Redact(e.Message), local);
            }
        }

        /// <summary>Requested capabilities the cloud does not have: said so, never reported as denied, never cached.</summary>
        private IEnumerable<CapabilityResult> NotApplicable(ICloudChecker checker, IReadOnlyList<Capability> requested, CloudIdentity identity) =>
            requested.Where(c => !checker.SupportedCapabilities.Contains(c)).Select(c => new CapabilityResult
            {
                Cloud = checker.Cloud,
                Capability = c,
                Status = CheckStatus.NotApplicable,
                Reason = "not applicable: " + KnownClouds.DisplayName(checker.Cloud) + " has no " + c.ToString().ToLowerInvariant() + " capability in SkyPilot",
                Identity = identity,
                CheckedAt = _clock(),
            });

        private IReadOnlyList<CapabilityResult> Failed(ICloudChecker checker, IReadOnlyList<Capability> capabilities, CloudIdentity identity, string problem, bool local)
        {
            return capabilities.Select(c => new CapabilityResult
            {
                Cloud = checker.Cloud,
                Capability = c,
                Status = local ? CheckStatus.ConfigurationError : CheckStatus.Unreachable,
                Reason = "the " + KnownClouds.DisplayName(checker.Cloud) + " check failed: " + problem,
                Hint = local ? "Fix the configuration named in the reason, then retry." : "Retry; run with -Debug to see the calls that were made.",
                Identity = identity,
                CheckedAt = _clock(),
            }).ToList();
        }

        private ICloudChecker Checker(string cloud)
        {
            var name = KnownClouds.Normalize(cloud);
            if (name is null || !_checkers.TryGetValue(name, out var checker))
            {
                throw new ArgumentException("Unknown cloud '" + cloud + "'. Valid clouds: " + string.Join(", ", Clouds) + ".", nameof(cloud));
            }

            return checker.Value;
        }
    }
}
