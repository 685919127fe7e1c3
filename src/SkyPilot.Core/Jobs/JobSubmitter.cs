using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Api;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;
using SkyPilot.Core.Gcp;
using SkyPilot.Core.Http;
using SkyPilot.Core.Storage;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// <c>Submit-SkyJob</c>: plan locally, precheck every access the job needs for the current identity, then stage
    /// local files in the job bucket, then launch through the API server. Nothing is uploaded for a job that cannot start.
    /// </summary>
    public sealed class JobSubmitter
    {
        private static readonly string[] BucketObjectPermissions = GcsStager.ObjectPermissions;
        private readonly CloudCheckService _checks;
        private readonly HttpClient _http;
        private readonly ISkyLog _log;

        public JobSubmitter(CloudCheckService checks, HttpClient http, ISkyLog log)
        {
            _checks = checks;
            _http = http;
            _log = log;
        }

        /// <summary>What submission will do; local only (reads and hashes the files to stage).</summary>
        public SubmitPlan Plan(TaskFile task, string? endpoint, SkyEnvironment environment, CancellationToken cancellationToken)
        {
            var config = SkyConfig.LoadStrict(environment);
            var hasLocalFiles = task.Tasks.Any(DefaultJobBucket.HasLocalFiles);
            var bucketUri = hasLocalFiles ? config.GetString("jobs.bucket") ?? DefaultJobBucket.For(task, environment, cloud => HasCredentials(cloud, environment)) : null;
            var staging = bucketUri is null ? null : StagingPlanner.Plan(task, bucketUri, cancellationToken, _log);
            // The storage each cloud's identity needs: the job bucket's store, and the buckets file_mounts read from.
            var storageNeeds = new Dictionary<string, string>(StringComparer.Ordinal);
            if (staging != null && !staging.IsEmpty)
            {
                storageNeeds[StagingPlan.CloudOf(staging.Scheme)] = "stage local files in " + staging.BucketUri;
            }

            if (!storageNeeds.ContainsKey(KnownClouds.Gcp) && task.Tasks.SelectMany(t => t.FileMounts).Any(m => (m.Source?.StartsWith("gs://", StringComparison.OrdinalIgnoreCase) ?? false) || m.Store == "gcs"))
            {
                storageNeeds[KnownClouds.Gcp] = "file_mounts read from Cloud Storage";
            }

            return new SubmitPlan
            {
                Task = task,
                Endpoint = SkyApiEndpoint.Resolve(endpoint, environment, config),
                Staging = staging,
                // A candidate that names no cloud may run on any enabled cloud, so the task then needs compute anywhere.
                ComputeCandidates = task.Tasks.Select(t => t.Resources.Any(r => r.Cloud is null) ? (IReadOnlyList<string>)Array.Empty<string>() : t.Clouds).ToList(),
                StorageNeeds = storageNeeds,
            };
        }

        /// <summary>
        /// Checks everything the plan needs, for the current identity and as the API server sees it (a local server acts
        /// with this user's credentials, so both views must allow the task; a remote one acts with its own, so its view
        /// decides compute and ours what we do ourselves). Throws <see cref="PrecheckFailedException"/> on any failure.
        /// </summary>
        public async Task<IReadOnlyList<PrecheckItem>> PrecheckAsync(SubmitPlan plan, SkyEnvironment environment, CancellationToken cancellationToken)
        {
            var api = Api(plan.Endpoint, environment);
            await api.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
            var workspace = SkyConfig.Load(environment).GetString("active_workspace") ?? "default";
            var serverEnabled = await api.EnabledCloudsAsync(workspace, cancellationToken).ConfigureAwait(false);

            var checkable = _checks.Clouds;
            // A task that names no cloud may run on any cloud the server has enabled.
            var anyCloud = serverEnabled.Where(checkable.Contains).ToList();
            if (anyCloud.Count == 0)
            {
                // The server's cache may be stale: what our identity can use is then what the server is asked to re-check.
                anyCloud = checkable.ToList();
            }

            var computeClouds = plan.ComputeCandidates.SelectMany(c => c.Count == 0 ? anyCloud : c).Where(checkable.Contains).Distinct().ToList();
            var computeTask = computeClouds.Count == 0
                ? Task.FromResult<IReadOnlyList<CloudCheckResult>>(Array.Empty<CloudCheckResult>())
                : _checks.CheckAsync(environment, computeClouds, new[] { Capability.Compute }, false, cancellationToken);
            var storageClouds = plan.StorageNeeds.Keys.Where(checkable.Contains).ToList();
            var storageTask = storageClouds.Count == 0
                ? Task.FromResult<IReadOnlyList<CloudCheckResult>>(Array.Empty<CloudCheckResult>())
                : _checks.CheckAsync(environment, storageClouds, new[] { Capability.Storage }, false, cancellationToken);
            var compute = (await computeTask.ConfigureAwait(false)).ToDictionary(r => r.Cloud);
            var storage = (await storageTask.ConfigureAwait(false)).ToDictionary(r => r.Cloud);

            var items = new List<PrecheckItem>();
            for (var i = 0; i < plan.ComputeCandidates.Count; i++)
            {
                var ours = ComputeItem(i, plan.ComputeCandidates[i], compute, anyCloud);
                // A remote server launches with its own credentials: our compute view is shown, the server's decides.
                items.Add(plan.Endpoint.IsRemote && !ours.Passed && !ours.Unverified
                    ? new PrecheckItem { Requirement = ours.Requirement + " for your identity", Cloud = ours.Cloud, Unverified = true, Reason = ours.Reason + " (the remote API server launches with its own credentials)", Identity = ours.Identity }
                    : ours);
            }

            foreach (var need in plan.StorageNeeds)
            {
                if (storage.TryGetValue(need.Key, out var result) && result.Storage is CapabilityResult capability)
                {
                    items.Add(FromCapability("storage on " + need.Key + " (" + need.Value + ")", capability, result.FromCache));
                }
            }

            items.AddRange(await ServerViewPrecheck.RunAsync(api, plan, serverEnabled, compute, storage, environment, workspace, cancellationToken).ConfigureAwait(false));

            if (plan.Staging != null && !plan.Staging.IsEmpty && items.All(item => item.Passed || item.Unverified))
            {
                items.Add(await ObjectStagers.For(plan.Staging, _http, _log).PrecheckAsync(plan.Staging, environment, cancellationToken).ConfigureAwait(false)
                    ?? await BucketItemAsync(plan.Staging, environment, cancellationToken).ConfigureAwait(false));
            }

            if (items.All(item => item.Passed || item.Unverified)
                && await api.ValidateAsync(TaskRewriter.ToServerYaml(plan.Task, plan.Staging), cancellationToken).ConfigureAwait(false) is string invalid)
            {
                items.Add(new PrecheckItem { Requirement = "the task, as the API server validates it", Reason = invalid, Hint = "Fix the task file; the API server's message names the field." });
            }

            if (items.Any(item => !item.Passed && !item.Unverified))
            {
                throw new PrecheckFailedException(items);
            }

            foreach (var field in plan.Task.Tasks.SelectMany(t => t.UnknownFields))
            {
                _log.Warning("The task field " + field + " is not one this module knows; the API server accepts it, so it is passed through as it is.");
            }

            return items;
        }

        /// <summary>
        /// A client for the plan's server. A local server acts as the user does: it gets the identity variables SkyPilot's
        /// own client forwards (never logged; request bodies are never shown).
        /// </summary>
        private SkyApiClient Api(SkyApiEndpoint endpoint, SkyEnvironment environment)
        {
            var forwarded = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!endpoint.IsRemote)
            {
                foreach (var pair in environment.WithPrefix("AWS_").Concat(environment.WithPrefix("AZURE_")))
                {
                    forwarded[pair.Key] = pair.Value;
                }

                foreach (var name in new[] { "GOOGLE_APPLICATION_CREDENTIALS", "KUBECONFIG" })
                {
                    if (environment.Get(name) is string value)
                    {
                        forwarded[name] = value;
                    }
                }
            }

            return new SkyApiClient(_http, endpoint, environment, _log) { ForwardedVariables = forwarded };
        }

        /// <summary>
        /// Stages the plan's files (skipping objects already there with the same MD5) and launches the job. When this same
        /// submission's last launch ended with its outcome unknown, that launch is looked up first and returned if the
        /// server has it.
        /// </summary>
        public async Task<ManagedJob> SubmitAsync(SubmitPlan plan, string? name, SkyEnvironment environment, Action<StagingProgress> progress, CancellationToken cancellationToken)
        {
            var api = Api(plan.Endpoint, environment);
            await api.CheckHealthAsync(cancellationToken).ConfigureAwait(false);

            var yaml = TaskRewriter.ToServerYaml(plan.Task, plan.Staging);
            var jobName = name ?? plan.Task.Name;
            var endpoint = plan.Endpoint.ToString();
            var submission = endpoint + "\n" + jobName + "\n" + yaml;
            var launched = await RecoverAsync(api, environment, endpoint, submission, cancellationToken).ConfigureAwait(false);
            if (launched is null)
            {
                var staged = plan.Staging is null || plan.Staging.IsEmpty ? 0 : await ObjectStagers.For(plan.Staging, _http, _log).StageAsync(plan.Staging, environment, progress, cancellationToken).ConfigureAwait(false);
                var marker = Guid.NewGuid().ToString("N");
                try
                {
                    launched = await api.LaunchAsync(yaml, jobName, marker, cancellationToken).ConfigureAwait(false);
                }
                catch (SkyApiException e) when (e.Failure == SkyApiFailure.LaunchOutcomeUnknown)
                {
                    PendingLaunches.Add(environment, endpoint, submission, marker, e.RequestId, _log);
                    throw;
                }
                catch (SkyApiException e) when (plan.Staging != null && !plan.Staging.IsEmpty && e.Failure != SkyApiFailure.RequestFailed)
                {
                    // Only a launch the server provably did not take gets here (refused connection, a rejection of its own).
                    throw new StagingFailedException(
                        e.Message + " " + staged + " file(s) are staged under " + plan.Staging.JobPrefixUri + "; no job was submitted.",
                        e.Hint + " A retry reuses the staged files.",
                        null,
                        staged,
                        plan.Staging.Files.Count,
                        plan.Staging.JobPrefixUri,
                        e);
                }
            }

            var (jobId, requestId) = launched.Value;
            ManagedJob? queued = null;
            try
            {
                queued = (await api.QueueAsync(new ManagedJobQuery { JobIds = new[] { jobId } }, cancellationToken).ConfigureAwait(false))
                    .Where(j => j.JobId == jobId).OrderBy(j => j.TaskId).FirstOrDefault();
            }
            catch (SkyApiException e)
            {
                _log.Verbose("Could not read the new job's status: " + e.Message);
            }

            var submitted = new ManagedJob { JobId = jobId, Name = jobName, SubmittedAt = DateTimeOffset.UtcNow };
            return (queued ?? submitted) with
            {
                Name = queued?.Name ?? jobName,
                SubmittedAt = queued?.SubmittedAt ?? submitted.SubmittedAt,
                RequestId = requestId,
                Endpoint = endpoint,
                BucketPrefix = plan.Staging is null || plan.Staging.IsEmpty ? null : plan.Staging.JobPrefixUri,
            };
        }

        /// <summary>The launch of this same submission whose outcome was unknown, if the server has it; null to launch anew.</summary>
        private async Task<(long JobId, string RequestId)?> RecoverAsync(SkyApiClient api, SkyEnvironment environment, string endpoint, string submission, CancellationToken cancellationToken)
        {
            var pending = PendingLaunches.Find(environment, endpoint, submission);
            if (pending is null)
            {
                return null;
            }

            var requestId = pending.RequestId ?? await api.FindLaunchAsync(pending.Marker, cancellationToken).ConfigureAwait(false);
            if (requestId is null)
            {
                _log.Verbose("The earlier launch of this submission (" + pending.At.ToString("u", System.Globalization.CultureInfo.InvariantCulture) + ") is not on the server: launching.");
                PendingLaunches.Remove(environment, pending, _log);
                return null;
            }

            try
            {
                var jobId = await api.LaunchResultAsync(requestId, cancellationToken).ConfigureAwait(false);
                PendingLaunches.Remove(environment, pending, _log);
                _log.Warning("This submission was already launched at " + pending.At.ToString("u", System.Globalization.CultureInfo.InvariantCulture) + " (request " + requestId + ", whose outcome was unknown then): returning managed job " + jobId + " instead of launching it again.");
                return (jobId, requestId);
            }
            catch (SkyApiException e) when (e.Failure == SkyApiFailure.RequestFailed)
            {
                _log.Verbose("The earlier launch of this submission failed on the server (" + e.Message + "): launching again.");
                PendingLaunches.Remove(environment, pending, _log);
                return null;
            }
        }

        private static PrecheckItem ComputeItem(int index, IReadOnlyList<string> candidates, Dictionary<string, CloudCheckResult> compute, IReadOnlyList<string> anyCloud)
        {
            var label = "compute for task " + (index + 1);
            var unverifiable = candidates.Where(c => !compute.ContainsKey(c)).ToList();
            var results = (candidates.Count == 0 ? anyCloud : candidates).Where(compute.ContainsKey).Select(c => compute[c]).ToList();
            var allowed = results.FirstOrDefault(r => r.Compute?.Allowed == true);
            if (allowed != null)
            {
                return FromCapability(label + " on " + allowed.Cloud, allowed.Compute!, allowed.FromCache);
            }

            if (unverifiable.Count > 0)
            {
                return new PrecheckItem
                {
                    Requirement = label + " on " + string.Join(" or ", unverifiable),
                    Cloud = unverifiable[0],
                    Unverified = true,
                    Reason = "this module cannot check " + string.Join(", ", unverifiable) + "; the API server will",
                };
            }

            if (results.Count == 1)
            {
                return FromCapability(label + " on " + results[0].Cloud, results[0].Compute!, results[0].FromCache);
            }

            return new PrecheckItem
            {
                Requirement = label + " on " + (candidates.Count == 0 ? "any enabled cloud" : string.Join(" or ", candidates)),
                Cloud = string.Join(",", results.Select(r => r.Cloud)),
                Passed = false,
                Reason = string.Join("; ", results.Select(r => r.Cloud + ": " + r.Compute?.Reason)),
                Hint = string.Join("; ", results.Where(r => r.Compute?.Hint != null).Select(r => r.Cloud + ": " + r.Compute!.Hint)) + (candidates.Count == 0 ? " (or name the cloud in resources.infra)" : string.Empty),
                MissingPermissions = results.SelectMany(r => r.Compute?.MissingPermissions ?? Array.Empty<string>()).ToList(),
                CouldNotCheck = results.Count > 0 && results.All(r => r.Compute != null && CouldNotCheck(r.Compute.Status)),
            };
        }

        private static bool CouldNotCheck(CheckStatus status) => status == CheckStatus.Unreachable || status == CheckStatus.Unavailable;

        private static PrecheckItem FromCapability(string requirement, CapabilityResult result, bool fromCache) => new PrecheckItem
        {
            Requirement = requirement,
            Cloud = result.Cloud,
            Passed = result.Allowed,
            CouldNotCheck = CouldNotCheck(result.Status),
            Reason = result.Reason,
            Hint = result.Hint,
            MissingPermissions = result.MissingPermissions,
            Identity = result.Identity,
            FromCache = fromCache,
        };

        private async Task<PrecheckItem> BucketItemAsync(StagingPlan staging, SkyEnvironment environment, CancellationToken cancellationToken)
        {
            var access = GcpAccess.For(environment);
            var identity = access.Resolution.Identity;
            var requirement = "object access to gs://" + staging.Bucket;
            var gcs = access.Storage(_http, _log);
            try
            {
                var held = await gcs.TestBucketPermissionsAsync(staging.Bucket, BucketObjectPermissions, cancellationToken).ConfigureAwait(false);
                if (held is null)
                {
                    // Creating it needs storage.buckets.create, which the storage capability check just confirmed.
                    return new PrecheckItem { Requirement = requirement, Cloud = KnownClouds.Gcp, Passed = true, Reason = "the bucket does not exist yet and will be created in project " + identity.Project, Identity = identity };
                }

                var missing = BucketObjectPermissions.Where(p => !held.Contains(p)).ToList();
                return new PrecheckItem
                {
                    Requirement = requirement,
                    Cloud = KnownClouds.Gcp,
                    Passed = missing.Count == 0,
                    Reason = missing.Count == 0 ? "object create/get/list held on the bucket" : "missing on the bucket: " + string.Join(", ", missing),
                    Hint = missing.Count == 0 ? null : "gcloud storage buckets add-iam-policy-binding gs://" + staging.Bucket + " --member=" + GcpMember.For(identity.Account) + " --role=roles/storage.objectAdmin",
                    MissingPermissions = missing,
                    Identity = identity,
                };
            }
            catch (GoogleApiException e) when (e.Error.StatusCode == 403)
            {
                return new PrecheckItem { Requirement = requirement, Cloud = KnownClouds.Gcp, Reason = "no access to the bucket (HTTP 403: " + Redactor.Redact(e.Error.Message) + ")", Hint = "Ask the bucket's owner for roles/storage.objectAdmin, or set jobs.bucket in ~/.sky/config.yaml to a bucket you can write.", Identity = identity };
            }
            catch (Exception e) when (e is GoogleApiException || e is ServiceUnreachableException || e is GoogleAuthException)
            {
                return new PrecheckItem { Requirement = requirement, Cloud = KnownClouds.Gcp, CouldNotCheck = !(e is GoogleAuthException auth) || auth.Status == CheckStatus.Unreachable, Reason = "the bucket could not be checked: " + Redactor.Redact(e.Message), Hint = "Check the network, then retry.", Identity = identity };
            }
        }

        /// <summary>Whether the cloud's identity is usable, from local files only (what the default bucket's store is chosen by).</summary>
        private bool HasCredentials(string cloud, SkyEnvironment environment)
        {
            try
            {
                return _checks.Clouds.Contains(cloud) && _checks.ResolveIdentity(cloud, environment).IsUsable;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                return false;
            }
        }
    }
}
