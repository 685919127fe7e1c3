using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace SkyPilot.Core.Identity
{
    /// <summary>Collects named inputs and hashes them into a stable identity fingerprint.</summary>
    internal sealed class FingerprintBuilder
    {
        private readonly SortedDictionary<string, string> _inputs = new SortedDictionary<string, string>(StringComparer.Ordinal);

        public FingerprintBuilder Add(string name, string? value)
        {
            _inputs[name] = value ?? "<unset>";
            return this;
        }

        /// <summary>Adds a file's presence and content digest (never its content).</summary>
        public FingerprintBuilder AddFileContent(string name, string? path, byte[]? content)
        {
            if (path is null)
            {
                return Add(name, null);
            }

            return Add(name, path + "|" + (content is null ? "<missing>" : Digest(content)));
        }

        public string Build()
        {
            var text = string.Join("\n", _inputs.Select(p => p.Key + "=" + p.Value));
            return Digest(Encoding.UTF8.GetBytes(text), 32);
        }

        /// <summary>Hex SHA-256 of <paramref name="data"/>, shortened to <paramref name="length"/> characters.</summary>
        public static string Digest(byte[] data, int length = 16)
        {
            using (var sha = SHA256.Create())
            {
                var hash = sha.ComputeHash(data);
                var builder = new StringBuilder(hash.Length * 2);
                foreach (var b in hash)
                {
                    builder.Append(b.ToString("x2"));
                }

                return builder.ToString(0, Math.Min(length, builder.Length));
            }
        }
    }
}
