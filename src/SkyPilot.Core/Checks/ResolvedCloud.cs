using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Checks
{
    /// <summary>
    /// A cloud's identity as resolved from local files and environment, with what its checker read to resolve it, so
    /// that the check runs for exactly the identity its cache entry is keyed on, and nothing is read twice.
    /// </summary>
    public sealed class ResolvedCloud
    {
        public ResolvedCloud(CloudIdentity identity, SkyEnvironment environment, object? state = null)
        {
            Identity = identity;
            Environment = environment;
            State = state;
        }

        public CloudIdentity Identity { get; }

        public SkyEnvironment Environment { get; }

        /// <summary>The checker's own resolution details (credential content, config); opaque to everyone else.</summary>
        public object? State { get; }
    }
}
