using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Checks
{
    /// <summary>One cloud's identity resolution and capability checks.</summary>
    public interface ICloudChecker
    {
        /// <summary>Canonical lower-case cloud name.</summary>
        string Cloud { get; }

        IReadOnlyList<Capability> SupportedCapabilities { get; }

        /// <summary>Resolves the active identity from local files and environment only: no network.</summary>
        CloudIdentity ResolveIdentity(SkyEnvironment environment);

        /// <summary>Checks the requested capabilities for the identity resolved from <paramref name="environment"/>.</summary>
        Task<IReadOnlyList<CapabilityResult>> CheckAsync(SkyEnvironment environment, IReadOnlyCollection<Capability> capabilities, CancellationToken cancellationToken);
    }
}
