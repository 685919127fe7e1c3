using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Text.Json;
using System.Text.Json.Serialization;
using SkyPilot.Core.Identity;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Gcp
{
    /// <summary>
    /// The accounts of Application Default Credentials whose files do not name one (user logins, federated
    /// credentials), as learned from tokeninfo: a map of credential-content digest to email, in
    /// <c>powershell-adc-accounts.json</c> in the module's state directory. It holds digests and emails only,
    /// never credential material. A damaged or unreadable file reads as empty; writing never throws.
    /// </summary>
    internal sealed class AdcAccountStore
    {
        public const string FileName = "powershell-adc-accounts.json";
        private const string Format = "skypilot-powershell/adc-accounts";
        private const int Version = 1;

        /// <summary>Entries kept at most; the least recently learned go first.</summary>
        internal const int MaxEntries = 256;

        private readonly StateFile<AccountsModel> _file;

        public AdcAccountStore(string path)
        {
            Path = path;
            _file = new StateFile<AccountsModel>(path, "ADC account store", Format, Version, StateJson.Default.AccountsModel, Salvage);
        }

        /// <summary>The store file.</summary>
        public string Path { get; }

        /// <summary>The store of the module's state directory: <c>SKYPILOT_PS_CACHE_DIR</c>, else <c>~/.sky</c>.</summary>
        public static AdcAccountStore For(SkyEnvironment env) => new AdcAccountStore(SkyStateDirectory.File(env, FileName));

        /// <summary>The key a credential is stored under: a digest of its file content, which names no secret.</summary>
        public static string DigestOf(byte[] credentialContent) => FingerprintBuilder.Digest(credentialContent, 32);

        /// <summary>The email learned for the credential with this digest, or null.</summary>
        public string? Find(string digest)
        {
            return Usable(_file.Read().Value).TryGetValue(digest, out var entry) ? entry.Email : null;
        }

        /// <summary>Remembers <paramref name="email"/> for the credential with this digest. False when the file could not be written.</summary>
        public bool Remember(string digest, string email, DateTimeOffset now) =>
            RememberAsync(digest, email, now, NullSkyLog.Instance, CancellationToken.None).GetAwaiter().GetResult();

        /// <summary>As <see cref="Remember"/>, merging under the store's lock so concurrent learners lose nothing.</summary>
        public Task<bool> RememberAsync(string digest, string email, DateTimeOffset now, ISkyLog log, CancellationToken cancellationToken)
        {
            return _file.UpdateAsync(
                (model, problem) =>
                {
                    var entries = Usable(model);
                    if (problem is null && entries.TryGetValue(digest, out var existing) && existing.Email == email)
                    {
                        return null;
                    }

                    entries[digest] = new AccountEntry { Email = email, LearnedAt = now.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture) };
                    var kept = entries
                        .OrderByDescending(e => LearnedAt(e.Value))
                        .Take(MaxEntries)
                        .OrderBy(e => e.Key, StringComparer.Ordinal);
                    var accounts = new SortedDictionary<string, AccountEntry>(StringComparer.Ordinal);
                    foreach (var pair in kept)
                    {
                        accounts[pair.Key] = pair.Value;
                    }

                    return new AccountsModel { Accounts = accounts };
                },
                TimeSpan.FromSeconds(5),
                log,
                cancellationToken);
        }

        private static Dictionary<string, AccountEntry> Usable(AccountsModel? model)
        {
            var entries = new Dictionary<string, AccountEntry>(StringComparer.Ordinal);
            if (model?.Accounts is null)
            {
                return entries;
            }

            foreach (var pair in model.Accounts)
            {
                if (pair.Value?.Email is string email && email.Length > 0)
                {
                    entries[pair.Key] = pair.Value;
                }
            }

            return entries;
        }

        private static DateTimeOffset LearnedAt(AccountEntry entry) =>
            entry.LearnedAt != null && DateTimeOffset.TryParse(entry.LearnedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue;

        /// <summary>A store with a field of the wrong shape: the entries that can still be read.</summary>
        private static AccountsModel? Salvage(JsonElement root)
        {
            var model = new AccountsModel
            {
                Format = root.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String ? format.GetString() : null,
                Version = root.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number && version.TryGetInt32(out var v) ? v : -1,
                Accounts = new SortedDictionary<string, AccountEntry>(StringComparer.Ordinal),
            };
            if (root.TryGetProperty("accounts", out var accounts) && accounts.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in accounts.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Object
                        && property.Value.TryGetProperty("email", out var email) && email.ValueKind == JsonValueKind.String && email.GetString()!.Length > 0)
                    {
                        model.Accounts[property.Name] = new AccountEntry
                        {
                            Email = email.GetString(),
                            LearnedAt = property.Value.TryGetProperty("learnedAt", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null,
                        };
                    }
                }
            }

            return model;
        }

        internal sealed class AccountsModel : IVersionedState
        {
            [JsonPropertyName("format")]
            public string? Format { get; set; }

            [JsonPropertyName("version")]
            public int Version { get; set; }

            [JsonPropertyName("accounts")]
            public SortedDictionary<string, AccountEntry>? Accounts { get; set; }
        }

        internal sealed class AccountEntry
        {
            [JsonPropertyName("email")]
            public string? Email { get; set; }

            [JsonPropertyName("learnedAt")]
            public string? LearnedAt { get; set; }
        }
    }
}
