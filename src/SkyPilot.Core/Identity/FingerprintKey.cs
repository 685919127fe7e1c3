using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Identity
{
    /// <summary>
    /// A per-user random key for hashing secret file contents (tokens) into fingerprints, so that the fingerprints
    /// stored in the cache file cannot be used to test guesses of a token. Kept owner-only beside the cache.
    /// </summary>
    internal static class FingerprintKey
    {
        private static readonly object Gate = new object();
        private static (string Path, byte[] Key)? _loaded;

        public static string KeyedDigest(SkyEnvironment env, string text, int length = 16)
        {
            using (var hmac = new HMACSHA256(Load(env)))
            {
                var hash = hmac.ComputeHash(Encoding.UTF8.GetBytes(text));
                var builder = new StringBuilder(length);
                for (var i = 0; i < hash.Length && builder.Length < length; i++)
                {
                    builder.Append(hash[i].ToString("x2"));
                }

                return builder.ToString(0, Math.Min(length, builder.Length));
            }
        }

        private static byte[] Load(SkyEnvironment env)
        {
            var directory = env.Get("SKYPILOT_PS_CACHE_DIR") is string dir ? env.ExpandHome(dir) : Path.Combine(env.HomeDirectory, ".sky");
            var path = Path.Combine(directory, "powershell-fingerprint.key");
            lock (Gate)
            {
                // The key file never changes once written, so holding it in memory is safe.
                if (_loaded.HasValue && _loaded.Value.Path == path)
                {
                    return _loaded.Value.Key;
                }

                byte[] key;
                try
                {
                    key = File.Exists(path) ? File.ReadAllBytes(path) : Array.Empty<byte>();
                    if (key.Length < 32)
                    {
                        key = new byte[32];
                        using (var random = RandomNumberGenerator.Create())
                        {
                            random.GetBytes(key);
                        }

                        if (!OwnerOnlyFile.TryCreateNew(path, key))
                        {
                            key = File.ReadAllBytes(path); // another process won the race
                        }
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    // No writable home: a process-local key still keeps fingerprints consistent within this process.
                    key = Encoding.UTF8.GetBytes("process-local:" + Guid.NewGuid().ToString("N"));
                }

                _loaded = (path, key);
                return key;
            }
        }
    }
}
