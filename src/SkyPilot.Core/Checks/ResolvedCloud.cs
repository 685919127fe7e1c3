using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Checks
{
    /// <summary>
    /// A cloud's identity as resolved from local files and environment, bound to the check of exactly that resolution:
    /// the check runs for the identity its cache entry is keyed on, and nothing is read twice.
    /// </summary>
    public abstract class ResolvedCloud
    {
        private protected ResolvedCloud(CloudIdentity identity, SkyEnvironment environment)
        {
            Identity = identity;
            Environment = environment;
        }

        public CloudIdentity Identity { get; }

        public SkyEnvironment Environment { get; }

        /// <summary>Checks <paramref name="capabilities"/> for this resolution (the network part of a check).</summary>
        public abstract Task<IReadOnlyList<CapabilityResult>> CheckAsync(IReadOnlyCollection<Capability> capabilities, CancellationToken cancellationToken);
    }

    /// <summary>A resolution with the checker's own details (credential content, config), typed for its checker.</summary>
    public sealed class ResolvedCloud<TState> : ResolvedCloud
    {
        private readonly Func<ResolvedCloud<TState>, IReadOnlyCollection<Capability>, CancellationToken, Task<IReadOnlyList<CapabilityResult>>> _check;

        public ResolvedCloud(
            CloudIdentity identity,
            SkyEnvironment environment,
            TState state,
            Func<ResolvedCloud<TState>, IReadOnlyCollection<Capability>, CancellationToken, Task<IReadOnlyList<CapabilityResult>>> check)
            : base(identity, environment)
        {
            State = state;
            _check = check;
        }

        public TState State { get; }

        public override Task<IReadOnlyList<CapabilityResult>> CheckAsync(IReadOnlyCollection<Capability> capabilities, CancellationToken cancellationToken) =>
            _check(this, capabilities, cancellationToken);
    }
}
