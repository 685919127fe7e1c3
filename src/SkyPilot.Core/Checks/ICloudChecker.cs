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

        /// <summary>
        /// Resolves the active identity from local files and environment only (no network), bound to its check
        /// (<see cref="ResolvedCloud.CheckAsync"/>).
        /// </summary>
        ResolvedCloud Resolve(SkyEnvironment environment);
    }
}
