using SkyPilot.Core;
using SkyPilot.TestKit;

namespace SkyPilot.Tests.Support;

/// <summary>A world's variables as Core's environment snapshot, for tests that call Core directly.</summary>
public static class WorldEnvironment
{
    public static SkyEnvironment Environment(this TestWorld world) => new(world.Variables, world.Home, isWindows: false);
}
