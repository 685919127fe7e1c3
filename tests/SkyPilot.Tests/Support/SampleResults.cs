using SkyPilot.Core.Checks;
using SkyPilot.Core.Identity;

namespace SkyPilot.Tests.Support;

/// <summary>Hand-made results for cache tests that do not need a server.</summary>
public static class SampleResults
{
    public static CloudIdentity Identity(string fingerprint, string account = "a@p.iam.gserviceaccount.com", string project = "p", string cloud = "gcp") => new()
    {
        Cloud = cloud,
        Account = account,
        Project = project,
        CredentialType = "service_account",
        CredentialSource = "/keys/" + account + ".json",
        CredentialDigest = "d-" + fingerprint,
        Fingerprint = fingerprint,
    };

    public static CapabilityResult Result(CloudIdentity identity, Capability capability, CheckStatus status, DateTimeOffset at) => new()
    {
        Cloud = identity.Cloud,
        Capability = capability,
        Status = status,
        PermissionsTested = ["storage.buckets.create"],
        MissingPermissions = status == CheckStatus.MissingPermissions ? ["storage.buckets.create"] : [],
        Reason = status.ToString(),
        Identity = identity,
        CheckedAt = at,
        Duration = TimeSpan.FromMilliseconds(12),
    };
}
