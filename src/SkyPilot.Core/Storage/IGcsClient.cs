using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.Core.Storage
{
    /// <summary>The Cloud Storage calls staging needs; small so that Google.Cloud.Storage.V1 can replace it.</summary>
    public interface IGcsClient
    {
        Task CreateBucketAsync(string bucket, string project, CancellationToken cancellationToken);

        /// <summary>
        /// The subset of bucket-level <paramref name="permissions"/> the caller holds, or null when the bucket does not exist.
        /// Needs no permission itself, so it also tells whether a bucket the caller may only write objects to exists.
        /// </summary>
        Task<IReadOnlyList<string>?> TestBucketPermissionsAsync(string bucket, IReadOnlyList<string> permissions, CancellationToken cancellationToken);

        /// <summary>Every object under <paramref name="prefix"/>, by name.</summary>
        Task<IReadOnlyDictionary<string, GcsObjectInfo>> ListAsync(string bucket, string prefix, CancellationToken cancellationToken);

        /// <summary>Uploads a local file (multipart when small, resumable in chunks when large); reports bytes sent.</summary>
        Task<GcsObjectInfo> UploadAsync(string bucket, string objectName, string localPath, Action<long> bytesSent, CancellationToken cancellationToken);
    }
}
