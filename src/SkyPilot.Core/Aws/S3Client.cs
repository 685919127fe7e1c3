using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Aws
{
    /// <summary>
    /// The S3 calls checks and staging need, signed with SigV4 over the module's transport. Path-style addressing for
    /// configured endpoints (moto, Nebius, MinIO); virtual-hosted for AWS. Follows a bucket to its region once.
    /// </summary>
    internal sealed class S3Client
    {
        private readonly AwsApiClient _api;
        private readonly AwsCredentials _credentials;
        private readonly Uri? _configuredEndpoint;
        private readonly string _region;
        private readonly Dictionary<string, string> _bucketRegions = new Dictionary<string, string>(StringComparer.Ordinal);

        public S3Client(AwsApiClient api, AwsCredentials credentials, Uri? configuredEndpoint, string region)
        {
            _api = api;
            _credentials = credentials;
            _configuredEndpoint = configuredEndpoint;
            _region = region;
        }

        /// <summary>Where the requests go, for messages.</summary>
        public string EndpointDescription => _configuredEndpoint?.GetLeftPart(UriPartial.Authority) ?? "AWS S3 (" + _region + ")";

        public async Task<int> ListBucketsAsync(CancellationToken cancellationToken)
        {
            var result = await SendAsync(HttpMethod.Get, null, string.Empty, string.Empty, "s3:ListAllMyBuckets", cancellationToken).ConfigureAwait(false);
            var xml = Check(result, "s3:ListAllMyBuckets");
            return xml.Descendants().Count(e => e.Name.LocalName == "Bucket");
        }

        /// <summary>HTTP status of HeadBucket: 200 (accessible), 403 (exists, no access) or 404 (does not exist).</summary>
        public async Task<int> HeadBucketAsync(string bucket, CancellationToken cancellationToken)
        {
            var result = await SendAsync(HttpMethod.Head, bucket, string.Empty, string.Empty, "s3:HeadBucket", cancellationToken).ConfigureAwait(false);
            if (result.StatusCode == 200 || result.StatusCode == 403 || result.StatusCode == 404)
            {
                return result.StatusCode;
            }

            throw AwsApiClient.Error("s3:HeadBucket", result.StatusCode, AwsApiClient.ParseXml(result.Body));
        }

        public async Task CreateBucketAsync(string bucket, CancellationToken cancellationToken)
        {
            var region = _bucketRegions.TryGetValue(bucket, out var known) ? known : _region;
            var body = region == "us-east-1"
                ? null
                : Encoding.UTF8.GetBytes("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" + region + "</LocationConstraint></CreateBucketConfiguration>");
            var result = await SendAsync(HttpMethod.Put, bucket, string.Empty, string.Empty, "s3:CreateBucket", cancellationToken, body, body?.Length ?? 0).ConfigureAwait(false);
            var xml = AwsApiClient.ParseXml(result.Body);
            if (!result.IsSuccess && AwsApiClient.Child(xml, "Code") != "BucketAlreadyOwnedByYou")
            {
                throw AwsApiClient.Error("s3:CreateBucket", result.StatusCode, xml);
            }
        }

        /// <summary>Every object under a prefix, by key: size and ETag (quotes removed).</summary>
        public async Task<IReadOnlyDictionary<string, (long Size, string ETag)>> ListAsync(string bucket, string prefix, CancellationToken cancellationToken)
        {
            var objects = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
            string? token = null;
            do
            {
                var query = new List<KeyValuePair<string, string>> { Pair("list-type", "2"), Pair("prefix", prefix) };
                if (token != null)
                {
                    query.Add(Pair("continuation-token", token));
                }

                var result = await SendAsync(HttpMethod.Get, bucket, string.Empty, SigV4Signer.Query(query), "s3:ListBucket", cancellationToken).ConfigureAwait(false);
                var xml = Check(result, "s3:ListBucket");
                foreach (var item in xml.Elements().Where(e => e.Name.LocalName == "Contents"))
                {
                    objects[AwsApiClient.Child(item, "Key")!] = (long.Parse(AwsApiClient.Child(item, "Size") ?? "0", System.Globalization.CultureInfo.InvariantCulture), (AwsApiClient.Child(item, "ETag") ?? string.Empty).Trim('"'));
                }

                token = AwsApiClient.Child(xml, "IsTruncated") == "true" ? AwsApiClient.Child(xml, "NextContinuationToken") : null;
            }
            while (token != null);
            return objects;
        }

        public async Task<string> PutObjectAsync(string bucket, string key, byte[] body, int count, string md5Base64, CancellationToken cancellationToken)
        {
            var result = await SendAsync(HttpMethod.Put, bucket, key, string.Empty, "s3:PutObject", cancellationToken, body, count, new Dictionary<string, string> { ["Content-MD5"] = md5Base64 }).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw AwsApiClient.Error("s3:PutObject", result.StatusCode, AwsApiClient.ParseXml(result.Body));
            }

            return (result.Header("etag") ?? string.Empty).Trim('"');
        }

        public async Task<string> CreateMultipartUploadAsync(string bucket, string key, CancellationToken cancellationToken)
        {
            var result = await SendAsync(HttpMethod.Post, bucket, key, "uploads=", "s3:PutObject (CreateMultipartUpload)", cancellationToken).ConfigureAwait(false);
            return AwsApiClient.Child(Check(result, "s3:PutObject (CreateMultipartUpload)"), "UploadId")
                ?? throw new AwsApiException("s3:CreateMultipartUpload", result.StatusCode, "MalformedResponse", "no UploadId");
        }

        /// <summary>The in-progress multipart uploads of one key (newest last).</summary>
        public async Task<IReadOnlyList<string>> ListMultipartUploadsAsync(string bucket, string key, CancellationToken cancellationToken)
        {
            var result = await SendAsync(HttpMethod.Get, bucket, string.Empty, SigV4Signer.Query(new[] { Pair("prefix", key), Pair("uploads", string.Empty) }), "s3:ListBucketMultipartUploads", cancellationToken).ConfigureAwait(false);
            var xml = Check(result, "s3:ListBucketMultipartUploads");
            return xml.Elements().Where(e => e.Name.LocalName == "Upload" && AwsApiClient.Child(e, "Key") == key)
                .OrderBy(e => AwsApiClient.Child(e, "Initiated"), StringComparer.Ordinal)
                .Select(e => AwsApiClient.Child(e, "UploadId")!).ToList();
        }

        /// <summary>The parts already uploaded: part number → (size, ETag).</summary>
        public async Task<IReadOnlyDictionary<int, (long Size, string ETag)>> ListPartsAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken)
        {
            var parts = new Dictionary<int, (long, string)>();
            string? marker = null;
            do
            {
                var query = new List<KeyValuePair<string, string>> { Pair("uploadId", uploadId) };
                if (marker != null)
                {
                    query.Add(Pair("part-number-marker", marker));
                }

                var result = await SendAsync(HttpMethod.Get, bucket, key, SigV4Signer.Query(query), "s3:ListMultipartUploadParts", cancellationToken).ConfigureAwait(false);
                var xml = Check(result, "s3:ListMultipartUploadParts");
                foreach (var part in xml.Elements().Where(e => e.Name.LocalName == "Part"))
                {
                    parts[int.Parse(AwsApiClient.Child(part, "PartNumber")!, System.Globalization.CultureInfo.InvariantCulture)] =
                        (long.Parse(AwsApiClient.Child(part, "Size") ?? "0", System.Globalization.CultureInfo.InvariantCulture), (AwsApiClient.Child(part, "ETag") ?? string.Empty).Trim('"'));
                }

                marker = AwsApiClient.Child(xml, "IsTruncated") == "true" ? AwsApiClient.Child(xml, "NextPartNumberMarker") : null;
            }
            while (marker != null);
            return parts;
        }

        public async Task<string> UploadPartAsync(string bucket, string key, string uploadId, int partNumber, byte[] body, int count, string md5Base64, CancellationToken cancellationToken)
        {
            var query = SigV4Signer.Query(new[] { Pair("partNumber", partNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)), Pair("uploadId", uploadId) });
            var result = await SendAsync(HttpMethod.Put, bucket, key, query, "s3:PutObject (UploadPart)", cancellationToken, body, count, new Dictionary<string, string> { ["Content-MD5"] = md5Base64 }).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw AwsApiClient.Error("s3:PutObject (UploadPart)", result.StatusCode, AwsApiClient.ParseXml(result.Body));
            }

            return (result.Header("etag") ?? string.Empty).Trim('"');
        }

        public async Task<string> CompleteMultipartUploadAsync(string bucket, string key, string uploadId, IReadOnlyList<string> partETags, CancellationToken cancellationToken)
        {
            var xml = new StringBuilder("<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
            for (var i = 0; i < partETags.Count; i++)
            {
                xml.Append("<Part><PartNumber>").Append(i + 1).Append("</PartNumber><ETag>\"").Append(partETags[i]).Append("\"</ETag></Part>");
            }

            var body = Encoding.UTF8.GetBytes(xml.Append("</CompleteMultipartUpload>").ToString());
            var result = await SendAsync(HttpMethod.Post, bucket, key, SigV4Signer.Query(new[] { Pair("uploadId", uploadId) }), "s3:PutObject (CompleteMultipartUpload)", cancellationToken, body, body.Length).ConfigureAwait(false);
            // S3 may answer 200 with an error document when completion fails late.
            var answer = Check(result, "s3:PutObject (CompleteMultipartUpload)");
            return (AwsApiClient.Child(answer, "ETag") ?? string.Empty).Trim('"');
        }

        private static XElement Check(HttpCallResult result, string operation)
        {
            var xml = AwsApiClient.ParseXml(result.Body);
            if (!result.IsSuccess || xml is null || xml.Name.LocalName == "Error")
            {
                throw AwsApiClient.Error(operation, result.StatusCode, xml);
            }

            return xml;
        }

        private async Task<HttpCallResult> SendAsync(HttpMethod method, string? bucket, string key, string query, string operation, CancellationToken cancellationToken,
            byte[]? body = null, int count = 0, IReadOnlyDictionary<string, string>? headers = null)
        {
            for (var redirect = 0; ; redirect++)
            {
                var region = bucket != null && _bucketRegions.TryGetValue(bucket, out var known) ? known : _region;
                var (baseUri, path) = Address(bucket, key, region);
                var pathAndQuery = path + (query.Length == 0 ? string.Empty : "?" + query);
                var result = await _api.RestAsync(method, baseUri, pathAndQuery, "s3", region, _credentials, operation, cancellationToken, body, 0, count, headers).ConfigureAwait(false);
                var bucketRegion = result.Header("x-amz-bucket-region");
                if (redirect == 0 && bucket != null && bucketRegion != null && bucketRegion != region && (result.StatusCode == 301 || result.StatusCode == 400 || result.StatusCode == 307))
                {
                    _bucketRegions[bucket] = bucketRegion;
                    continue;
                }

                return result;
            }
        }

        private (Uri BaseUri, string Path) Address(string? bucket, string key, string region)
        {
            var encodedKey = key.Length == 0 ? string.Empty : "/" + SigV4Signer.Encode(key, keepSlash: true);
            if (bucket is null)
            {
                return (_configuredEndpoint ?? new Uri("https://s3." + region + ".amazonaws.com"), "/");
            }

            var virtualHosted = _configuredEndpoint is null && bucket.IndexOf('.') < 0 && bucket.ToLowerInvariant() == bucket;
            if (virtualHosted)
            {
                return (new Uri("https://" + bucket + ".s3." + region + ".amazonaws.com"), encodedKey.Length == 0 ? "/" : encodedKey);
            }

            var endpoint = _configuredEndpoint ?? new Uri("https://s3." + region + ".amazonaws.com");
            return (endpoint, "/" + SigV4Signer.Encode(bucket) + encodedKey);
        }

        private static KeyValuePair<string, string> Pair(string key, string value) => new KeyValuePair<string, string>(key, value);
    }
}
