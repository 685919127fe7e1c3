using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.Core.Gcp
{
    /// <summary>Obtains OAuth access tokens for a located Application Default Credential.</summary>
    internal interface IGoogleTokenSource
    {
        /// <exception cref="GoogleAuthException">The credential was refused or the token endpoint could not be reached.</exception>
        Task<string> GetAccessTokenAsync(AdcCredential credential, CancellationToken cancellationToken);
    }
}
