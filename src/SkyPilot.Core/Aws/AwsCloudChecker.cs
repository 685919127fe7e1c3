using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Aws
{
    /// <summary>
    /// AWS checks as SkyPilot makes them, and a launch probe SkyPilot lacks. Identity: STS GetCallerIdentity. Compute:
    /// EC2 DescribeRegions, then RunInstances with DryRun on a current Amazon Linux image (DryRunOperation = allowed).
    /// Storage: S3 ListBuckets, and the <c>jobs.bucket</c> when it is an s3:// bucket. Credentials are read at every call.
    /// </summary>
    public sealed class AwsCloudChecker : ICloudChecker
    {
        private readonly HttpClient _http;
        private readonly ISkyLog _log;
        private readonly Func<DateTimeOffset> _clock;

        public AwsCloudChecker(HttpClient http, ISkyLog log, Func<DateTimeOffset>? clock = null)
        {
            _http = http;
            _log = log;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        public string Cloud => KnownClouds.Aws;

        public IReadOnlyList<Capability> SupportedCapabilities { get; } = new[] { Capability.Compute, Capability.Storage };

        public ResolvedCloud Resolve(SkyEnvironment environment)
        {
            var resolution = AwsIdentityResolver.ResolveOnce(environment, _clock);
            return new ResolvedCloud<AwsLocalState>(resolution.Identity, environment, resolution.State, CheckAsync);
        }

        private async Task<IReadOnlyList<CapabilityResult>> CheckAsync(ResolvedCloud<AwsLocalState> resolved, IReadOnlyCollection<Capability> capabilities, CancellationToken cancellationToken)
        {
            var stopwatch = Stopwatch.StartNew();
            var identity = resolved.Identity;
            var state = resolved.State;
            var results = new List<CapabilityResult>();
            if (!identity.IsUsable)
            {
                return capabilities.Select(c => Result(identity, c, identity.ProblemStatus!.Value, identity.Problem!, identity.Hint, Array.Empty<string>(), Array.Empty<string>(), stopwatch)).ToList();
            }

            var api = new AwsApiClient(_http, HttpSettings.FromEnvironment(resolved.Environment), _log, _clock);
            var endpoints = new AwsEndpoints(state);
            AwsCredentials credentials;
            try
            {
                credentials = await new AwsCredentialProvider(api, _clock).GetAsync(state, state.Credential, cancellationToken).ConfigureAwait(false);
                var caller = await api.QueryAsync(endpoints.For("sts", state.Region), "sts", state.Region, credentials, "GetCallerIdentity", "2011-06-15", Array.Empty<KeyValuePair<string, string>>(), cancellationToken).ConfigureAwait(false);
                identity = identity with { Account = AwsApiClient.Child(caller, "Arn"), Project = AwsApiClient.Child(caller, "Account") };
            }
            catch (Exception e) when (e is AwsCredentialException || e is AwsApiException || e is ServiceUnreachableException)
            {
                var (status, reason, hint) = AwsCheckOutcomes.ForIdentityFailure(e, state);
                return capabilities.Select(c => Result(identity, c, status, reason, hint, new[] { AwsPermissions.GetCallerIdentity }, Array.Empty<string>(), stopwatch)).ToList();
            }

            if (capabilities.Contains(Capability.Compute))
            {
                results.Add(await ComputeAsync(api, endpoints, state, credentials, identity, stopwatch, cancellationToken).ConfigureAwait(false));
            }

            if (capabilities.Contains(Capability.Storage))
            {
                results.Add(await StorageAsync(api, endpoints, state, credentials, identity, resolved.Environment, stopwatch, cancellationToken).ConfigureAwait(false));
            }

            return results;
        }

        private async Task<CapabilityResult> ComputeAsync(AwsApiClient api, AwsEndpoints endpoints, AwsLocalState state, AwsCredentials credentials, CloudIdentity identity, Stopwatch stopwatch, CancellationToken cancellationToken)
        {
            var ec2 = endpoints.For("ec2", state.Region);
            var tested = new List<string> { AwsPermissions.GetCallerIdentity, AwsPermissions.DescribeRegions };
            try
            {
                var regions = await api.QueryAsync(ec2, "ec2", state.Region, credentials, "DescribeRegions", Ec2Version, Array.Empty<KeyValuePair<string, string>>(), cancellationToken).ConfigureAwait(false);
                var regionCount = regions.Descendants().Count(e => e.Name.LocalName == "regionName");
                tested.Add(AwsPermissions.DescribeImages);
                var images = await api.QueryAsync(ec2, "ec2", state.Region, credentials, "DescribeImages", Ec2Version, new Dictionary<string, string>
                {
                    ["Owner.1"] = "amazon",
                    ["Filter.1.Name"] = "name",
                    ["Filter.1.Value.1"] = AwsPermissions.ProbeImageName,
                    ["Filter.2.Name"] = "state",
                    ["Filter.2.Value.1"] = "available",
                }, cancellationToken).ConfigureAwait(false);
                var image = images.Descendants().Where(e => e.Name.LocalName == "item" && AwsApiClient.Child(e, "imageId") != null && e.Parent?.Name.LocalName == "imagesSet")
                    .OrderByDescending(e => AwsApiClient.Child(e, "creationDate"), StringComparer.Ordinal)
                    .Select(e => AwsApiClient.Child(e, "imageId")).FirstOrDefault();
                if (image is null)
                {
                    return Result(identity, Capability.Compute, CheckStatus.Allowed, "credentials valid and EC2 answers in " + state.Region + " (" + regionCount + " regions); launch permission not verified: no " + AwsPermissions.ProbeImageName + " image found there", null, tested, Array.Empty<string>(), stopwatch);
                }

                tested.Add(AwsPermissions.RunInstances);
                try
                {
                    await api.QueryAsync(ec2, "ec2", state.Region, credentials, "RunInstances", Ec2Version, new Dictionary<string, string>
                    {
                        ["DryRun"] = "true",
                        ["ImageId"] = image,
                        ["InstanceType"] = AwsPermissions.ProbeInstanceType,
                        ["MinCount"] = "1",
                        ["MaxCount"] = "1",
                    }, cancellationToken).ConfigureAwait(false);
                    return Result(identity, Capability.Compute, CheckStatus.Allowed, "RunInstances answered without DryRunOperation; launch permission not verified", null, tested, Array.Empty<string>(), stopwatch);
                }
                catch (AwsApiException e) when (e.Code == "DryRunOperation")
                {
                    return Result(identity, Capability.Compute, CheckStatus.Allowed, "EC2 answers in " + state.Region + " and a RunInstances dry run of " + image + " is allowed", null, tested, Array.Empty<string>(), stopwatch);
                }
                catch (AwsApiException e) when (!e.IsAccessDenied && !e.IsExpired && !e.IsInvalidKey)
                {
                    return Result(identity, Capability.Compute, CheckStatus.Allowed, "credentials valid and EC2 answers in " + state.Region + "; launch permission not verified (the dry run answered " + e.Code + ")", null, tested, Array.Empty<string>(), stopwatch);
                }
            }
            catch (AwsApiException e) when (e.IsAccessDenied)
            {
                var missing = new[] { tested.Last() };
                return Result(identity, Capability.Compute, CheckStatus.MissingPermissions,
                    "the identity may not call " + missing[0] + " (" + e.Code + ")" + (missing[0] == AwsPermissions.RunInstances ? ": it cannot launch instances" : string.Empty),
                    AwsPermissions.ComputeHint, tested, missing, stopwatch);
            }
            catch (Exception e) when (e is AwsApiException || e is ServiceUnreachableException)
            {
                var (status, reason, hint) = AwsCheckOutcomes.ForCallFailure(e, state, "EC2");
                return Result(identity, Capability.Compute, status, reason, hint, tested, Array.Empty<string>(), stopwatch);
            }
        }

        private async Task<CapabilityResult> StorageAsync(AwsApiClient api, AwsEndpoints endpoints, AwsLocalState state, AwsCredentials credentials, CloudIdentity identity, SkyEnvironment environment, Stopwatch stopwatch, CancellationToken cancellationToken)
        {
            var s3 = new S3Client(api, credentials, endpoints.Configured("s3"), state.Region);
            var tested = new List<string> { AwsPermissions.GetCallerIdentity, AwsPermissions.ListAllMyBuckets };
            try
            {
                var count = await s3.ListBucketsAsync(cancellationToken).ConfigureAwait(false);
                var reason = "S3 lists the account's buckets (" + count + " found)";
                var jobsBucket = SkyConfig.Load(environment).GetString("jobs.bucket");
                if (jobsBucket != null && jobsBucket.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
                {
                    var bucket = jobsBucket.Substring(5).Split('/')[0];
                    tested.Add("s3:ListBucket on " + bucket);
                    var status = await s3.HeadBucketAsync(bucket, cancellationToken).ConfigureAwait(false);
                    if (status == 403)
                    {
                        return Result(identity, Capability.Storage, CheckStatus.MissingPermissions, "jobs.bucket s3://" + bucket + " exists but the identity has no access to it", "Grant s3:ListBucket, s3:GetObject and s3:PutObject on arn:aws:s3:::" + bucket + ", or set jobs.bucket to a bucket you own", tested, new[] { "s3:ListBucket on " + bucket }, stopwatch);
                    }

                    reason += status == 404 ? "; jobs.bucket s3://" + bucket + " does not exist yet (Submit-SkyJob creates it: s3:CreateBucket is not verified)" : "; jobs.bucket s3://" + bucket + " is accessible";
                }

                return Result(identity, Capability.Storage, CheckStatus.Allowed, reason, null, tested, Array.Empty<string>(), stopwatch);
            }
            catch (AwsApiException e) when (e.IsAccessDenied)
            {
                return Result(identity, Capability.Storage, CheckStatus.MissingPermissions, "the identity may not list S3 buckets (" + e.Code + ")", "Grant s3:ListAllMyBuckets (and s3:* on the job bucket) to the identity: " + AwsPermissions.PolicyDocs, tested, new[] { AwsPermissions.ListAllMyBuckets }, stopwatch);
            }
            catch (Exception e) when (e is AwsApiException || e is ServiceUnreachableException)
            {
                var (status, reason, hint) = AwsCheckOutcomes.ForCallFailure(e, state, "S3");
                return Result(identity, Capability.Storage, status, reason, hint, tested, Array.Empty<string>(), stopwatch);
            }
        }

        private const string Ec2Version = "2016-11-15";

        private CapabilityResult Result(CloudIdentity identity, Capability capability, CheckStatus status, string reason, string? hint, IReadOnlyList<string> tested, IReadOnlyList<string> missing, Stopwatch stopwatch) => new CapabilityResult
        {
            Cloud = KnownClouds.Aws,
            Capability = capability,
            Status = status,
            Reason = reason,
            Hint = hint,
            PermissionsTested = tested.ToList(),
            MissingPermissions = missing,
            Identity = identity,
            CheckedAt = _clock(),
            Duration = stopwatch.Elapsed,
        };
    }
}
