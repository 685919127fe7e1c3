using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Api;
using SkyPilot.Core.Checks;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// The API server's own view of the clouds a task needs. The server decides from its enabled-clouds cache, which has
    /// no identity: when our identity for a cloud changed since the server last checked it, or the server's view
    /// disagrees with ours, the server is asked to check just those clouds again (<c>POST /check</c>) before anything is
    /// staged, and a cloud the server cannot use fails with both views side by side.
    /// </summary>
    internal static class ServerViewPrecheck
    {
        private const string Compute = "compute";
        private const string Storage = "storage";

        public static async Task<IReadOnlyList<PrecheckItem>> RunAsync(
            SkyApiClient api,
            SubmitPlan plan,
            IReadOnlyList<string> serverEnabled,
            IReadOnlyDictionary<string, CloudCheckResult> ourCompute,
            IReadOnlyDictionary<string, CloudCheckResult> ourStorage,
            SkyEnvironment env,
            string workspace,
            CancellationToken cancellationToken)
        {
            var endpoint = api.Endpoint.ToString();
            var storageClouds = plan.StorageNeeds.Keys.ToList();
            var candidates = plan.ComputeCandidates.Select(c => c.Count > 0 ? c : serverEnabled.Union(ourCompute.Where(r => r.Value.Compute?.Allowed == true).Select(r => r.Key)).Distinct().ToList()).ToList();
            var relevant = candidates.SelectMany(c => c).Concat(storageClouds).Distinct().ToList();

            string Fingerprint(string cloud) => ourCompute.TryGetValue(cloud, out var r) ? r.Identity.Fingerprint : ourStorage.TryGetValue(cloud, out var s) ? s.Identity.Fingerprint : string.Empty;
            bool OursAllows(string cloud) => ourCompute.TryGetValue(cloud, out var r) && r.Compute?.Allowed == true;

            var refresh = relevant.Where(cloud =>
            {
                var remembered = ServerCheckMemory.Find(env, endpoint, cloud);
                return remembered is null
                    || remembered.Fingerprint != Fingerprint(cloud)
                    || (ourCompute.ContainsKey(cloud) && OursAllows(cloud) != serverEnabled.Contains(cloud))
                    || (storageClouds.Contains(cloud) && !remembered.Capabilities.Contains(Storage));
            }).ToList();

            ServerCloudView? view = null;
            if (refresh.Count > 0)
            {
                view = await api.CheckCloudsAsync(refresh, workspace, cancellationToken).ConfigureAwait(false);
                foreach (var cloud in refresh)
                {
                    ServerCheckMemory.Remember(env, endpoint, cloud, Fingerprint(cloud), view.Capabilities.TryGetValue(cloud, out var caps) ? caps : Array.Empty<string>());
                }
            }

            bool ServerAllows(string cloud, string capability) => view != null && refresh.Contains(cloud)
                ? view.Allows(cloud, capability)
                : capability == Compute ? serverEnabled.Contains(cloud) : ServerCheckMemory.Find(env, endpoint, cloud)?.Capabilities.Contains(capability) == true;

            var items = new List<PrecheckItem>();
            for (var i = 0; i < candidates.Count; i++)
            {
                var clouds = candidates[i];
                var allowed = clouds.FirstOrDefault(c => ServerAllows(c, Compute));
                var label = "compute for task " + (i + 1) + " as the API server sees it";
                items.Add(allowed != null
                    ? new PrecheckItem { Requirement = label + " on " + allowed, Cloud = allowed, Passed = true, Reason = "the API server at " + endpoint + " has " + allowed + " compute enabled" }
                    : Refused(label + " on " + (clouds.Count == 0 ? "any cloud" : string.Join(" or ", clouds)), clouds, Compute, view, ourCompute, endpoint));
            }

            foreach (var need in plan.StorageNeeds)
            {
                var cloud = need.Key;
                var requirement = "storage on " + cloud + " as the API server sees it";
                items.Add(ServerAllows(cloud, Storage)
                    ? new PrecheckItem { Requirement = requirement, Cloud = cloud, Passed = true, Reason = "the API server at " + endpoint + " has " + KnownClouds.DisplayName(cloud) + " storage enabled" }
                    : Refused(requirement + " (" + need.Value + ")", new[] { cloud }, Storage, view, ourStorage.ContainsKey(cloud) ? ourStorage : ourCompute, endpoint));
            }

            return items;
        }

        private static PrecheckItem Refused(string requirement, IReadOnlyList<string> clouds, string capability, ServerCloudView? view, IReadOnlyDictionary<string, CloudCheckResult> ours, string endpoint)
        {
            var parts = clouds.Select(cloud =>
            {
                var mine = ours.TryGetValue(cloud, out var r) ? (capability == Compute ? r.Compute : r.Storage) : null;
                var ourView = mine is null ? "this module did not check " + KnownClouds.DisplayName(cloud) + " " + capability
                    : mine.Allowed ? "your identity can use " + KnownClouds.DisplayName(cloud) + " " + capability
                    : "your identity cannot use " + KnownClouds.DisplayName(cloud) + " " + capability + " (" + mine.Reason + ")";
                var reason = view?.ReasonFor(cloud);
                return ourView + "; the API server's check says " + KnownClouds.DisplayName(cloud) + " " + capability + " is disabled" + (reason is null ? string.Empty : ": " + reason);
            }).ToList();
            return new PrecheckItem
            {
                Requirement = requirement,
                Cloud = string.Join(",", clouds),
                Passed = false,
                Reason = clouds.Count == 0 ? "the API server at " + endpoint + " has no cloud enabled for compute" : string.Join("; ", parts),
                Hint = "Fix the API server's credentials for " + (clouds.Count == 0 ? "a cloud" : string.Join(", ", clouds.Select(KnownClouds.DisplayName))) + " and run 'sky check' against it (" + endpoint + "); Submit-SkyJob asks it to check again when your identity changes.",
            };
        }
    }
}
