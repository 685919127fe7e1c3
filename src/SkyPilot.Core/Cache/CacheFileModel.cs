using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Serialization;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Cache
{
    /// <summary>The cache file's JSON shape. No secrets: identities are names and digests, never tokens.</summary>
    internal sealed class CacheFileModel : IVersionedState
    {
        public const string FormatName = "skypilot-powershell/check-cache";
        public const int CurrentVersion = 1;

        [JsonProperty("format")]
        public string? Format { get; set; }

        [JsonProperty("version")]
        public int Version { get; set; }

        /// <summary>Permission lists shared by many entries, stored once and referenced by key.</summary>
        [JsonProperty("permissionLists")]
        public Dictionary<string, List<string>>? PermissionLists { get; set; }

        [JsonProperty("entries")]
        public List<StoredEntry>? Entries { get; set; }
    }

    internal sealed class StoredEntry
    {
        /// <summary>
        /// The model of a file whose typed reading failed on some field: every entry read on its own, the ones that
        /// cannot be read marked broken (and dropped by the reader with a warning).
        /// </summary>
        public static CacheFileModel? Salvage(Newtonsoft.Json.Linq.JObject root)
        {
            var serializer = JsonSerializer.Create(new JsonSerializerSettings { DateParseHandling = DateParseHandling.None, NullValueHandling = NullValueHandling.Ignore });
            var model = new CacheFileModel
            {
                Format = root["format"]?.Type == Newtonsoft.Json.Linq.JTokenType.String ? (string?)root["format"] : null,
                Version = root["version"]?.Type == Newtonsoft.Json.Linq.JTokenType.Integer ? (int)root["version"]! : -1,
                PermissionLists = new Dictionary<string, List<string>>(StringComparer.Ordinal),
                Entries = new List<StoredEntry>(),
            };
            if (root["permissionLists"] is Newtonsoft.Json.Linq.JObject lists)
            {
                foreach (var list in lists.Properties())
                {
                    if (list.Value is Newtonsoft.Json.Linq.JArray items && items.All(i => i.Type == Newtonsoft.Json.Linq.JTokenType.String))
                    {
                        model.PermissionLists[list.Name] = items.Select(i => (string)i!).ToList();
                    }
                }
            }

            if (!(root["entries"] is Newtonsoft.Json.Linq.JArray entries))
            {
                return model;
            }

            foreach (var item in entries)
            {
                StoredEntry? entry;
                try
                {
                    entry = item is Newtonsoft.Json.Linq.JObject ? item.ToObject<StoredEntry>(serializer) : null;
                }
                catch (Exception e) when (e is JsonException || e is ArgumentException || e is InvalidCastException || e is FormatException || e is OverflowException)
                {
                    entry = null;
                }

                model.Entries.Add(entry ?? new StoredEntry { BrokenField = "(the entry)" });
            }

            return model;
        }

        private const long MinUnixMs = -62135596800000; // 0001-01-01
        private const long MaxUnixMs = 253402300799999; // 9999-12-31

        /// <summary>Set while reading when a field had the wrong type: the field's name (never its value).</summary>
        [JsonIgnore]
        public string? BrokenField { get; set; }

        [OnError]
        internal void OnError(StreamingContext context, ErrorContext error)
        {
            // Keep reading the rest of the file: this entry is dropped afterwards (see Problem).
            BrokenField ??= error.Member?.ToString() ?? error.Path;
            error.Handled = true;
        }

        /// <summary>Null when every field is usable; otherwise which one is not (never its value, which may be anything).</summary>
        public string? Problem()
        {
            if (BrokenField != null)
            {
                return "'" + BrokenField + "' has the wrong type";
            }

            if (string.IsNullOrEmpty(Cloud) || string.IsNullOrEmpty(Fingerprint))
            {
                return "'cloud' or 'fingerprint' is missing";
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

        /// <summary>Key into <see cref="CacheFileModel.PermissionLists"/>.</summary>
        [JsonProperty("tested")]
        public string? TestedList { get; set; }

        [JsonIgnore]
        public List<string> PermissionsTested { get; set; } = new List<string>();

        [JsonProperty("missing")]
        public List<string> MissingPermissions { get; set; } = new List<string>();

        [JsonProperty("reason")]
        public string Reason { get; set; } = string.Empty;

        [JsonProperty("hint")]
        public string? Hint { get; set; }

        /// <summary>Unix milliseconds (numbers parse and format much faster than ISO dates).</summary>
        [JsonProperty("checkedAtMs")]
        public long CheckedAtMs { get; set; }

        [JsonIgnore]
        public DateTimeOffset CheckedAt
        {
            get => DateTimeOffset.FromUnixTimeMilliseconds(CheckedAtMs);
            set => CheckedAtMs = value.ToUnixTimeMilliseconds();
        }

        [JsonProperty("durationMs")]
        public double DurationMs { get; set; }

        [JsonProperty("expiresAtMs")]
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

        [JsonProperty("endpoint")]
        public string? Endpoint { get; set; }

        [JsonProperty("canExpire")]
        public bool CanExpire { get; set; }
    }
}
