using SkyPilot.Core;
using SkyPilot.Core.Cache;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Kubernetes;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Support;

/// <summary>Core's view of a <see cref="KubernetesWorld"/>: the checker and the cached check service.</summary>
public static class KubernetesWorldChecks
{
    public static KubernetesCloudChecker Checker(this KubernetesWorld world) => new(NullSkyLog.Instance, null, world.ServiceAccountDirectory);

    public static CloudCheckService Service(this KubernetesWorld world) =>
        new([world.Checker()], new CheckCache(CacheSettings.FromEnvironment(world.Environment()), NullSkyLog.Instance), null);

    public static async Task<CloudCheckResult> CheckAsync(this KubernetesWorld world, bool refresh = false, Capability[]? capabilities = null) =>
        (await world.Service().CheckAsync(world.Environment(), [KnownClouds.Kubernetes], capabilities, refresh, CancellationToken.None)).Single();
}
