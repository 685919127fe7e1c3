using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.Core.Gcp
{
    /// <summary>The Compute Engine calls the checks need.</summary>
    internal interface IComputeClient
    {
        /// <summary>Reads the project's name and id; the cheap way to learn whether the Compute Engine API is enabled.</summary>
        Task GetProjectAsync(string project, string accessToken, CancellationToken cancellationToken);
    }
}
