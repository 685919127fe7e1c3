using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
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

        public AdcAccountStore(string path)
        {
            Path = path;
        }

        /// <summary>The store file.</summary>
        public string Path { get; }

        /// <summary>The store of the module's state directory: <c>SKYPILOT_PS_CACHE_DIR</c>, else <c>~/.sky</c>.</summary>
        public static AdcAccountStore For(SkyEnvironment env) => new AdcAccountStore(System.IO.Path.Combine(StateDirectory(env), FileName));

        /// <summary>The key a credential is stored under: a digest of its file content, which names no secret.</summary>
        public static string DigestOf(byte[] credentialContent) => FingerprintBuilder.Digest(credentialContent, 32);

        /// <summary>The email learned for the credential with this digest, or null.</summary>
        public string? Find(string digest)
        {
            return Read().TryGetValue(digest, out var entry) ? entry.Email : null;
        }

        /// <summary>Remembers <paramref name="email"/> for the credential with this digest. False when the file could not be written.</summary>
        public bool Remember(string digest, string email, DateTimeOffset now)
        {
            try
            {
                var entries = Read();
                if (entries.TryGetValue(digest, out var existing) && existing.Email == email)
                {
                    return true;
                }

                entries[digest] = (email, now);
                var root = new JObject
                {
                    ["format"] = Format,
                    ["version"] = Version,
                    ["accounts"] = new JObject(entries
                        .OrderByDescending(e => e.Value.LearnedAt)
                        .Take(MaxEntries)
                        .OrderBy(e => e.Key, StringComparer.Ordinal)
                        .Select(e => new JProperty(e.Key, new JObject
                        {
                            ["email"] = e.Value.Email,
                            ["learnedAt"] = e.Value.LearnedAt.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture),
                        }))),
                };
                OwnerOnlyFile.WriteAtomically(Path, root.ToString(Formatting.Indented));
                return true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ArgumentException)
            {
                return false;
            }
        }

        private Dictionary<string, (string Email, DateTimeOffset LearnedAt)> Read()
        {
            var entries = new Dictionary<string, (string, DateTimeOffset)>(StringComparer.Ordinal);
            try
            {
                var bytes = SmallFile.TryRead(Path);
                if (bytes is null)
                {
                    return entries;
                }

                JToken parsed;
                using (var reader = new JsonTextReader(new StringReader(Encoding.UTF8.GetString(bytes))) { DateParseHandling = DateParseHandling.None })
                {
                    parsed = JToken.ReadFrom(reader);
                }

                if (!(parsed is JObject root)
                    || (string?)(root["format"] as JValue) != Format
                    || root["version"]?.Type != JTokenType.Integer || (int)root["version"]! != Version
                    || !(root["accounts"] is JObject accounts))
                {
                    return entries;
                }

                foreach (var property in accounts.Properties())
                {
                    if (property.Value is JObject entry
                        && entry["email"] is JValue { Type: JTokenType.String } email
                        && ((string?)email)?.Length > 0)
                    {
                        var learnedAt = entry["learnedAt"] is JValue { Type: JTokenType.String } text
                            && DateTimeOffset.TryParse((string?)text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                                ? at
                                : DateTimeOffset.MinValue;
                        entries[property.Name] = ((string)email!, learnedAt);
                    }
                }
            }
            catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is InvalidCastException || e is FormatException || e is OverflowException)
            {
                entries.Clear();
            }

            return entries;
        }

        // TODO: use the shared state-directory helper once it lands; this resolves it as CacheSettings does today.
        private static string StateDirectory(SkyEnvironment env)
        {
            return env.Get("SKYPILOT_PS_CACHE_DIR") is string dir ? env.ExpandHome(dir) : System.IO.Path.Combine(env.HomeDirectory, ".sky");
        }
    }
}
