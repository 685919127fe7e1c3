using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Aws
{
    /// <summary>The AWS identity of one environment snapshot and the local state it was resolved from.</summary>
    internal sealed class AwsResolution
    {
        public AwsResolution(CloudIdentity identity, AwsLocalState state)
        {
            Identity = identity;
            State = state;
        }

        public CloudIdentity Identity { get; }

        public AwsLocalState State { get; }
    }
}
