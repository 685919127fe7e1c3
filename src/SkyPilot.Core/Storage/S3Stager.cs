using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Aws;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;
using SkyPilot.Core.Jobs;

namespace SkyPilot.Core.Storage
{
    /// <summary>Which S3-compatible store a stager writes to.</summary>
    public enum S3Store
    {
        /// <summary>AWS S3 with the active AWS identity (<c>s3://</c>).</summary>
        Aws,

        /// <summary>Nebius object storage through the <c>nebius</c> AWS profile and its endpoint (<c>nebius://</c>), as SkyPilot's nebius stores do.</summary>
        Nebius,
    }

    /// <summary>
    /// Stages a plan in an S3-compatible bucket with the GCS stager's semantics: the bucket is checked before any upload
    /// and created when missing, objects already there with the same content (ETag) are skipped, files above
    /// <see cref="PartSize"/> go up in parts, and a multipart upload cut short is resumed from the parts S3 already holds.
    /// </summary>
    public sealed class S3Stager : IObjectStager
    {
        /// <summary>Part size of multipart uploads; files up to this size are one PutObject.</summary>
        public const int PartSize = 8 * 1024 * 1024;

        private readonly HttpClient _http;
        private readonly ISkyLog _log;
        private readonly S3Store _store;

        public S3Stager(HttpClient http, ISkyLog log, S3Store store)
        {
            _http = http;
            _log = log;
            _store = store;
        }

        public async Task<PrecheckItem?> PrecheckAsync(StagingPlan staging, SkyEnvironment environment, CancellationToken cancellationToken)
        {
            var requirement = "object access to " + staging.BucketUri;
            var (target, problem) = await ConnectAsync(environment, cancellationToken).ConfigureAwait(false);
            if (target is null)
            {
                return new PrecheckItem { Requirement = requirement, Cloud = CloudName, Reason = problem!.Value.Reason, Hint = problem.Value.Hint };
            }

            try
            {
                var status = await target.Client.HeadBucketAsync(staging.Bucket, cancellationToken).ConfigureAwait(false);
                if (status == 404)
                {
                    return new PrecheckItem { Requirement = requirement, Cloud = CloudName, Passed = true, Reason = "the bucket does not exist yet and will be created (s3:CreateBucket is verified when it is made)", Identity = target.Identity };
                }

                if (status == 403)
                {
                    return Denied(requirement, staging, target, "s3:ListBucket");
                }

                await target.Client.ListAsync(staging.Bucket, staging.JobPrefix, cancellationToken).ConfigureAwait(false);
                return new PrecheckItem { Requirement = requirement, Cloud = CloudName, Passed = true, Reason = "the bucket exists and its objects can be listed (s3:PutObject is verified by the first upload)", Identity = target.Identity };
            }
            catch (AwsApiException e) when (e.IsAccessDenied)
            {
                return Denied(requirement, staging, target, e.Operation);
            }
            catch (Exception e) when (e is AwsApiException || e is ServiceUnreachableException)
            {
                return new PrecheckItem { Requirement = requirement, Cloud = CloudName, Reason = "the bucket could not be checked: " + Redactor.Redact(e.Message), Hint = "Check the network and the endpoint (" + target.Client.EndpointDescription + "), then retry.", Identity = target.Identity };
            }
        }

        public async Task<int> StageAsync(StagingPlan staging, SkyEnvironment environment, Action<StagingProgress> progress, CancellationToken cancellationToken)
        {
            var (target, problem) = await ConnectAsync(environment, cancellationToken).ConfigureAwait(false);
            if (target is null)
            {
                throw new StagingFailedException(problem!.Value.Reason + "; nothing was staged and no job was submitted.", problem.Value.Hint, null, 0, staging.Files.Count, staging.JobPrefixUri, new InvalidOperationException(problem.Value.Reason));
            }

            var s3 = target.Client;
            if (await s3.HeadBucketAsync(staging.Bucket, cancellationToken).ConfigureAwait(false) == 404)
            {
                _log.Verbose("Creating bucket " + staging.BucketUri + " at " + s3.EndpointDescription);
                await s3.CreateBucketAsync(staging.Bucket, cancellationToken).ConfigureAwait(false);
            }

            var existing = await s3.ListAsync(staging.Bucket, staging.JobPrefix, cancellationToken).ConfigureAwait(false);
            var todo = staging.Files.Where(f => !(existing.TryGetValue(f.ObjectName, out var o) && o.Size == f.Size && o.ETag == ExpectedETag(f))).ToList();
            return await StagingUploads.RunAsync(staging, todo, environment, _log, progress,
                (file, sent, token) => file.Size <= PartSize ? PutAsync(s3, staging.Bucket, file, sent, token) : MultipartAsync(s3, staging.Bucket, file, sent, token), cancellationToken).ConfigureAwait(false);
        }

        private string CloudName => _store == S3Store.Aws ? KnownClouds.Aws : KnownClouds.Nebius;

        private PrecheckItem Denied(string requirement, StagingPlan staging, Target target, string action) => new PrecheckItem
        {
            Requirement = requirement,
            Cloud = CloudName,
            Reason = "no access to the bucket for " + Who(target.Identity) + " (" + action + " denied)",
            Hint = "Grant s3:ListBucket, s3:GetObject and s3:PutObject on arn:aws:s3:::" + staging.Bucket + " (and its objects), or set jobs.bucket in ~/.sky/config.yaml to a bucket you can write.",
            MissingPermissions = new[] { action },
            Identity = target.Identity,
        };

        /// <summary>The account when known, else the profile the credentials come from (the ARN needs a call the precheck does not make).</summary>
        private static string Who(CloudIdentity identity) =>
            identity.Account ?? (identity.Configuration is null ? identity.DisplayName : "profile '" + identity.Configuration + "' " + identity.DisplayName);

        private static async Task PutAsync(S3Client s3, string bucket, StagedFile file, Action<long> sent, CancellationToken cancellationToken)
        {
            var bytes = File.ReadAllBytes(file.LocalPath);
            // The plan's MD5 is what S3 checks the body against: a file changed since planning fails instead of landing wrong.
            await s3.PutObjectAsync(bucket, file.ObjectName, bytes, bytes.Length, file.Md5Base64, cancellationToken).ConfigureAwait(false);
            sent(bytes.Length);
        }

        private async Task MultipartAsync(S3Client s3, string bucket, StagedFile file, Action<long> sent, CancellationToken cancellationToken)
        {
            var pending = await s3.ListMultipartUploadsAsync(bucket, file.ObjectName, cancellationToken).ConfigureAwait(false);
            var uploadId = pending.Count > 0 ? pending[pending.Count - 1] : await s3.CreateMultipartUploadAsync(bucket, file.ObjectName, cancellationToken).ConfigureAwait(false);
            var held = pending.Count > 0 ? await s3.ListPartsAsync(bucket, file.ObjectName, uploadId, cancellationToken).ConfigureAwait(false) : new Dictionary<int, (long, string)>();
            var etags = new List<string>();
            var buffer = new byte[PartSize];
            var reused = 0;
            using (var stream = new FileStream(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var md5 = MD5.Create())
            {
                for (var number = 1; ; number++)
                {
                    var count = ReadFull(stream, buffer);
                    if (count == 0)
                    {
                        break;
                    }

                    var hash = md5.ComputeHash(buffer, 0, count);
                    var hex = SigV4Signer.Hex(hash);
                    if (held.TryGetValue(number, out var part) && part.Size == count && part.ETag == hex)
                    {
                        reused++;
                        etags.Add(hex);
                    }
                    else
                    {
                        etags.Add(await s3.UploadPartAsync(bucket, file.ObjectName, uploadId, number, buffer, count, Convert.ToBase64String(hash), cancellationToken).ConfigureAwait(false));
                    }

                    sent(count);
                }
            }

            if (reused > 0)
            {
                _log.Verbose("Resumed the upload of " + file.ObjectName + ": " + reused + " of " + etags.Count + " part(s) were already uploaded");
            }

            await s3.CompleteMultipartUploadAsync(bucket, file.ObjectName, uploadId, etags, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The ETag S3 gives the object as this stager uploads it: the MD5, or for multipart the MD5 of the parts' MD5s and the part count.</summary>
        internal static string ExpectedETag(StagedFile file)
        {
            if (file.Size <= PartSize)
            {
                return SigV4Signer.Hex(Convert.FromBase64String(file.Md5Base64));
            }

            var buffer = new byte[PartSize];
            using (var stream = new FileStream(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var md5 = MD5.Create())
            using (var all = new MemoryStream())
            {
                var parts = 0;
                int count;
                while ((count = ReadFull(stream, buffer)) > 0)
                {
                    var hash = md5.ComputeHash(buffer, 0, count);
                    all.Write(hash, 0, hash.Length);
                    parts++;
                }

                return SigV4Signer.Hex(md5.ComputeHash(all.ToArray())) + "-" + parts;
            }
        }

        private static int ReadFull(Stream stream, byte[] buffer)
        {
            var total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            return total;
        }

        private sealed class Target
        {
            public Target(S3Client client, CloudIdentity identity)
            {
                Client = client;
                Identity = identity;
            }

            public S3Client Client { get; }

            public CloudIdentity Identity { get; }
        }

        /// <summary>
        /// Credentials and endpoint for the store, or why there are none. The local state is read once per environment
        /// snapshot, so the identity that prechecks the bucket is the one that uploads.
        /// </summary>
        private async Task<(Target? Target, (string Reason, string Hint)? Problem)> ConnectAsync(SkyEnvironment environment, CancellationToken cancellationToken)
        {
            var resolution = _store == S3Store.Aws
                ? AwsIdentityResolver.ResolveOnce(environment, () => DateTimeOffset.UtcNow)
                : environment.Once(ResolveNebiusStore).Resolution;
            var (identity, state) = (resolution.Identity, resolution.State);
            if (!identity.IsUsable)
            {
                return (null, (identity.Problem!, _store == S3Store.Nebius ? NebiusStorageHint : identity.Hint ?? "aws configure"));
            }

            var api = new AwsApiClient(_http, HttpSettings.FromEnvironment(environment), _log);
            try
            {
                var credentials = await new AwsCredentialProvider(api, () => DateTimeOffset.UtcNow).GetAsync(state, state.Credential, cancellationToken).ConfigureAwait(false);
                var endpoints = new AwsEndpoints(state);
                var region = _store == S3Store.Nebius && state.RegionSource == "default" ? NebiusDefaultRegion : state.Region;
                var endpoint = endpoints.Configured("s3") ?? (_store == S3Store.Nebius ? new Uri("https://storage." + region + ".nebius.cloud:443") : null);
                return (new Target(new S3Client(api, credentials, endpoint, region), identity), null);
            }
            catch (AwsCredentialException e)
            {
                return (null, (Redactor.Redact(e.Message), e.Hint));
            }
        }

        private static NebiusStoreResolution ResolveNebiusStore(SkyEnvironment environment)
        {
            var now = DateTimeOffset.UtcNow;
            var state = AwsLocalState.Read(environment, SkyConfig.Load(environment), now, NebiusProfile);
            var identity = new CloudIdentity { Cloud = KnownClouds.Nebius, Configuration = NebiusProfile, CredentialType = state.Credential.TypeName, CredentialSource = state.Credential.Root.Location, ProblemStatus = state.ProblemStatus, Problem = state.Problem, Hint = state.Hint, ResolvedAt = now };
            return new NebiusStoreResolution(new AwsResolution(identity, state));
        }

        /// <summary>The Nebius object store's profile, read once per snapshot (its own type: the AWS one is read once too).</summary>
        private sealed class NebiusStoreResolution
        {
            public NebiusStoreResolution(AwsResolution resolution) => Resolution = resolution;

            public AwsResolution Resolution { get; }
        }

        private const string NebiusProfile = "nebius";
        private const string NebiusDefaultRegion = "eu-north1";
        private const string NebiusStorageHint = "aws configure --profile nebius (with a Nebius object-storage access key), and set endpoint_url in [profile nebius]";
    }
}
