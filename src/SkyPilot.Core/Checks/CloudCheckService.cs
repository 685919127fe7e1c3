using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Checks
{
    /// <summary>Runs the capability checks of several clouds in parallel (what <c>sky check</c> does).</summary>
    public sealed class CloudCheckService
    {
        private readonly Dictionary<string, ICloudChecker> _checkers;
        private readonly Func<DateTimeOffset> _clock;

        public CloudCheckService(IEnumerable<ICloudChecker> checkers, Func<DateTimeOffset>? clock = null)
        {
            _checkers = checkers.ToDictionary(c => c.Cloud, StringComparer.OrdinalIgnoreCase);
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>The service with every cloud the module supports, on the shared HTTP client.</summary>
        public static CloudCheckService CreateDefault(ISkyLog log, HttpClient? http = null, Func<DateTimeOffset>? clock = null)
        {
            http = http ?? SharedHttpClient.Instance;
            return new CloudCheckService(new ICloudChecker[] { new GcpCloudChecker(http, log, clock) }, clock);
        }

        public IReadOnlyList<string> Clouds => _checkers.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();

        /// <summary>The active identity of one cloud, from local files and environment only.</summary>
        public CloudIdentity ResolveIdentity(string cloud, SkyEnvironment environment) => Checker(cloud).ResolveIdentity(environment);

        /// <summary>Checks the given clouds (all when null) for the given capabilities (all when null), in parallel.</summary>
        public async Task<IReadOnlyList<CloudCheckResult>> CheckAsync(
            SkyEnvironment environment,
            IEnumerable<string>? clouds,
            IEnumerable<Capability>? capabilities,
            CancellationToken cancellationToken)
        {
            var selected = (clouds ?? Clouds).Select(c => Checker(c)).Distinct().ToList();
            var requested = (capabilities ?? new[] { Capability.Compute, Capability.Storage }).Distinct().ToList();
            var tasks = selected.Select(checker => CheckOneAsync(checker, environment, requested, cancellationToken)).ToList();
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        private async Task<CloudCheckResult> CheckOneAsync(ICloudChecker checker, SkyEnvironment environment, IReadOnlyList<Capability> requested, CancellationToken cancellationToken)
        {
            var capabilities = requested.Where(checker.SupportedCapabilities.Contains).ToList();
            var results = capabilities.Count == 0
                ? Array.Empty<CapabilityResult>()
                : await checker.CheckAsync(environment, capabilities, cancellationToken).ConfigureAwait(false);
            var identity = results.Count > 0 ? results[0].Identity : checker.ResolveIdentity(environment);
            return new CloudCheckResult
            {
                Cloud = checker.Cloud,
                Compute = results.FirstOrDefault(r => r.Capability == Capability.Compute),
                Storage = results.FirstOrDefault(r => r.Capability == Capability.Storage),
                Identity = identity,
                CheckedAt = results.Count > 0 ? results.Max(r => r.CheckedAt) : _clock(),
                FromCache = false,
            };
        }

        private ICloudChecker Checker(string cloud)
        {
            var name = KnownClouds.Normalize(cloud);
            if (name is null || !_checkers.TryGetValue(name, out var checker))
            {
                throw new ArgumentException("Unknown cloud '" + cloud + "'. Valid clouds: " + string.Join(", ", Clouds) + ".", nameof(cloud));
            }

            return checker;
        }
    }
}
