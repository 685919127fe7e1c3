using System;
using System.Collections.Generic;
using Newtonsoft.Json;

namespace SkyPilot.Core.Cache
{
    /// <summary>The cache file's JSON shape. No secrets: identities are names and digests, never tokens.</summary>
    internal sealed class CacheFileModel
    {
        public const string FormatName = "skypilot-powershell/check-cache";
        public const int CurrentVersion = 1;

        [JsonProperty("format")]
        public string? Format { get; set; }

        [JsonProperty("version")]
        public int Version { get; set; }

        [JsonProperty("entries")]
        public List<StoredEntry>? Entries { get; set; }
    }

    internal sealed class StoredEntry
    {
        [JsonProperty("cloud")]
        public string Cloud { get; set; } = string.Empty;

        [JsonProperty("capability")]
        public string Capability { get; set; } = string.Empty;

        [JsonProperty("fingerprint")]
        public string Fingerprint { get; set; } = string.Empty;

        [JsonProperty("identity")]
        public StoredIdentity Identity { get; set; } = new StoredIdentity();

        [JsonProperty("status")]
        public string Status { get; set; } = string.Empty;

        [JsonProperty("tested")]
        public List<string> PermissionsTested { get; set; } = new List<string>();

        [JsonProperty("missing")]
        public List<string> MissingPermissions { get; set; } = new List<string>();

        [JsonProperty("reason")]
        public string Reason { get; set; } = string.Empty;

        [JsonProperty("hint")]
        public string? Hint { get; set; }

        [JsonProperty("checkedAt")]
        public DateTimeOffset CheckedAt { get; set; }

        [JsonProperty("durationMs")]
        public double DurationMs { get; set; }

        [JsonProperty("expiresAt")]
        public DateTimeOffset ExpiresAt { get; set; }
    }

    internal sealed class StoredIdentity
    {
        [JsonProperty("account")]
        public string? Account { get; set; }

        [JsonProperty("project")]
        public string? Project { get; set; }

        [JsonProperty("projectSource")]
        public string? ProjectSource { get; set; }

        [JsonProperty("credentialSource")]
        public string? CredentialSource { get; set; }

        [JsonProperty("credentialSourceKind")]
        public string? CredentialSourceKind { get; set; }

        [JsonProperty("credentialType")]
        public string CredentialType { get; set; } = "none";

        [JsonProperty("credentialDigest")]
        public string? CredentialDigest { get; set; }

        [JsonProperty("configuration")]
        public string? Configuration { get; set; }

        [JsonProperty("gcloudAccount")]
        public string? GcloudAccount { get; set; }

        [JsonProperty("canExpire")]
        public bool CanExpire { get; set; }
    }
}
