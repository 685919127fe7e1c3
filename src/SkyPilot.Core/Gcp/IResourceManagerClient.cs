using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.Core.Gcp
{
    /// <summary>The Resource Manager calls the checks need; small so that the official client can replace it.</summary>
    internal interface IResourceManagerClient
    {
        /// <summary>Returns the subset of <paramref name="permissions"/> the caller holds on the project.</summary>
        Task<IReadOnlyList<string>> TestIamPermissionsAsync(string project, IReadOnlyList<string> permissions, string accessToken, CancellationToken cancellationToken);
    }
}
