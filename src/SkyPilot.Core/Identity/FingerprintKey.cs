using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Identity
{
    /// <summary>
    /// A per-user random key for hashing secret file contents (tokens) into fingerprints, so that the fingerprints
    /// stored in the cache file cannot be used to test guesses of a token. Kept owner-only beside the cache.
    /// The first process to need it writes it to a temp file and moves that into place only if no key is there yet, so
    /// processes starting together all end up with the same key and none ever reads a partial one.
    /// </summary>
    internal static class FingerprintKey
    {
        public const string FileName = "powershell-fingerprint.key";

        private const int KeyLength = 32;

        /// <summary>A short key is retried for this long: an older module version wrote the file in place, not atomically.</summary>
        private static readonly TimeSpan ShortKeyPatience = TimeSpan.FromMilliseconds(500);

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
            var path = SkyStateDirectory.File(env, FileName);
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
                    key = ReadOrCreate(path);
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

        private static byte[] ReadOrCreate(string path)
        {
            var shortSince = (DateTime?)null;
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var existing = TryRead(path);
                if (existing is null)
                {
                    var key = NewKey();
                    if (OwnerOnlyFile.TryCreateAtomically(path, key))
                    {
                        return key;
                    }

                    continue; // another process won the race: read theirs
                }

                if (existing.Length >= KeyLength)
                {
                    return existing;
                }

                // Empty or partial: a writer may still be at it, so wait a little before giving up on the file.
                shortSince ??= DateTime.UtcNow;
                if (DateTime.UtcNow - shortSince.Value < ShortKeyPatience)
                {
                    Thread.Sleep(10);
                    continue;
                }

                // Damaged for good (e.g. a crash mid-write): replace it, then use whatever key landed, ours or a racer's.
                OwnerOnlyFile.WriteAtomically(path, stream =>
                {
                    var key = NewKey();
                    stream.Write(key, 0, key.Length);
                });
                shortSince = null;
            }

            throw new IOException("could not read or create the fingerprint key " + path);
        }

        private static byte[]? TryRead(string path)
        {
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return null;
            }
        }

        private static byte[] NewKey()
        {
            var key = new byte[KeyLength];
            using (var random = RandomNumberGenerator.Create())
            {
                random.GetBytes(key);
            }

            return key;
        }
    }
}
