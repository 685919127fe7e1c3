using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Cache
{
    /// <summary>The cache file's JSON shape. No secrets: identities are names and digests, never tokens.</summary>
    internal sealed class CacheFileModel : IVersionedState
    {
        public const string FormatName = "skypilot-powershell/check-cache";
        public const int CurrentVersion = 1;

        [JsonPropertyName("format")]
        public string? Format { get; set; }

        [JsonPropertyName("version")]
        public int Version { get; set; }

        /// <summary>Permission lists shared by many entries, stored once and referenced by key.</summary>
        [JsonPropertyName("permissionLists")]
        public Dictionary<string, List<string>>? PermissionLists { get; set; }

        [JsonPropertyName("entries")]
        public List<StoredEntry>? Entries { get; set; }
    }

    internal sealed class StoredEntry
    {
        /// <summary>
        /// The model of a file whose typed reading failed on some field: every entry read on its own, the ones that
        /// cannot be read marked broken by the field that failed (and dropped by the reader with a warning).
        /// </summary>
        public static CacheFileModel? Salvage(JsonElement root)
        {
            var model = new CacheFileModel
            {
                Format = root.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String ? format.GetString() : null,
                Version = root.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number && version.TryGetInt32(out var v) ? v : -1,
                PermissionLists = new Dictionary<string, List<string>>(StringComparer.Ordinal),
                Entries = new List<StoredEntry>(),
            };
            if (root.TryGetProperty("permissionLists", out var lists) && lists.ValueKind == JsonValueKind.Object)
            {
                foreach (var list in lists.EnumerateObject())
                {
                    if (list.Value.ValueKind == JsonValueKind.Array && list.Value.EnumerateArray().All(i => i.ValueKind == JsonValueKind.String))
                    {
                        model.PermissionLists[list.Name] = list.Value.EnumerateArray().Select(i => i.GetString()!).ToList();
                    }
                }
            }

            if (!root.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                return model;
            }

            foreach (var item in entries.EnumerateArray())
            {
                StoredEntry? entry;
                try
                {
                    entry = item.ValueKind == JsonValueKind.Object ? item.Deserialize(StateJson.Default.StoredEntry) : null;
                }
                catch (JsonException e)
                {
                    entry = new StoredEntry { BrokenField = FieldOf(e.Path) };
                }
                catch (Exception e) when (StateFile<CacheFileModel>.IsShapeProblem(e))
                {
                    entry = null;
                }

                model.Entries.Add(entry ?? new StoredEntry { BrokenField = "(the entry)" });
            }

            return model;
        }

        /// <summary>The entry's field a JSON path such as <c>$.identity.account</c> starts in.</summary>
        private static string FieldOf(string? path)
        {
            var field = (path ?? string.Empty).TrimStart('$', '.').Split('.', '[')[0];
            return field.Length > 0 ? field : "(the entry)";
        }

        private const long MinUnixMs = -62135596800000; // 0001-01-01
        private const long MaxUnixMs = 253402300799999; // 9999-12-31

        /// <summary>Set while reading when a field had the wrong type: the field's name (never its value).</summary>
        [JsonIgnore]
        public string? BrokenField { get; set; }

        /// <summary>Null when every field is usable; otherwise which one is not (never its value, which may be anything).</summary>
        public string? Problem()
        {
            if (BrokenField != null)
            {
                return "'" + BrokenField + "' has the wrong type";
            }

            if (string.IsNullOrEmpty(Cloud) || string.IsNullOrEmpty(Fingerprint) || Identity is null || MissingPermissions is null)
            {
                return "'cloud', 'fingerprint', 'identity' or 'missing' is missing";
            }

            if (!Enum.TryParse<Capability>(Capability, out _) || !Enum.TryParse<CheckStatus>(Status, out _))
            {
                return "'capability' or 'status' is not one this module knows";
            }

            if (CheckedAtMs < MinUnixMs || CheckedAtMs > MaxUnixMs)
            {
                return "'checkedAtMs' is out of range";
            }

            if (ExpiresAtMs < MinUnixMs || ExpiresAtMs > MaxUnixMs)
            {
                return "'expiresAtMs' is out of range";
            }

            return double.IsNaN(DurationMs) || DurationMs < 0 || DurationMs > TimeSpan.FromDays(1).TotalMilliseconds
                ? "'durationMs' is out of range"
                : null;
        }

        [JsonPropertyName("cloud")]
        public string Cloud { get; set; } = string.Empty;

        [JsonPropertyName("capability")]
        public string Capability { get; set; } = string.Empty;

        [JsonPropertyName("fingerprint")]
        public string Fingerprint { get; set; } = string.Empty;

        [JsonPropertyName("identity")]
        public StoredIdentity Identity { get; set; } = new StoredIdentity();

        [JsonPropertyName("status")]
        public string Status { get; set; } = string.Empty;

        /// <summary>Key into <see cref="CacheFileModel.PermissionLists"/>.</summary>
        [JsonPropertyName("tested")]
        public string? TestedList { get; set; }

        [JsonIgnore]
        public List<string> PermissionsTested { get; set; } = new List<string>();

        [JsonPropertyName("missing")]
        public List<string> MissingPermissions { get; set; } = new List<string>();

        [JsonPropertyName("reason")]
        public string Reason { get; set; } = string.Empty;

        [JsonPropertyName("hint")]
        public string? Hint { get; set; }

        /// <summary>Unix milliseconds (numbers parse and format much faster than ISO dates).</summary>
        [JsonPropertyName("checkedAtMs")]
        public long CheckedAtMs { get; set; }

        [JsonIgnore]
        public DateTimeOffset CheckedAt
        {
            get => DateTimeOffset.FromUnixTimeMilliseconds(CheckedAtMs);
            set => CheckedAtMs = value.ToUnixTimeMilliseconds();
        }

        [JsonPropertyName("durationMs")]
        public double DurationMs { get; set; }

        [JsonPropertyName("expiresAtMs")]
        public long ExpiresAtMs { get; set; }

        [JsonIgnore]
        public DateTimeOffset ExpiresAt
        {
            get => DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs);
            set => ExpiresAtMs = value.ToUnixTimeMilliseconds();
        }
    }

    internal sealed class StoredIdentity
    {
        [JsonPropertyName("account")]
        public string? Account { get; set; }

        [JsonPropertyName("project")]
        public string? Project { get; set; }

        [JsonPropertyName("projectSource")]
        public string? ProjectSource { get; set; }

        [JsonPropertyName("credentialSource")]
        public string? CredentialSource { get; set; }

        [JsonPropertyName("credentialSourceKind")]
        public string? CredentialSourceKind { get; set; }

        [JsonPropertyName("credentialType")]
        public string CredentialType { get; set; } = "none";

        [JsonPropertyName("credentialDigest")]
        public string? CredentialDigest { get; set; }

        [JsonPropertyName("configuration")]
        public string? Configuration { get; set; }

        [JsonPropertyName("gcloudAccount")]
        public string? GcloudAccount { get; set; }

        [JsonPropertyName("endpoint")]
        public string? Endpoint { get; set; }

        [JsonPropertyName("canExpire")]
        public bool CanExpire { get; set; }
    }
}
