using System;
using System.Text.RegularExpressions;

namespace SkyPilot.Core.Gcp
{
    /// <summary>
    /// Tells an RSA PKCS#8 key from another algorithm's before the key is used: Google's signer fails on an EC key
    /// with an ASN.1 message ("Tag '13' not supported") that reads like a network fault.
    /// </summary>
    internal static class Pkcs8Algorithm
    {
        // The AlgorithmIdentifier OIDs, DER-encoded: rsaEncryption 1.2.840.113549.1.1.1, id-ecPublicKey 1.2.840.10045.2.1,
        // Ed25519 1.3.101.112.
        private static readonly byte[] Rsa = { 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01 };
        private static readonly byte[] Ec = { 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01 };
        private static readonly byte[] Ed25519 = { 0x06, 0x03, 0x2B, 0x65, 0x70 };

        private static readonly Regex Body = new Regex("-----BEGIN PRIVATE KEY-----(?<b>[A-Za-z0-9+/=\\s\\\\n]*)-----END PRIVATE KEY-----", RegexOptions.Compiled);

        /// <summary>Null for an RSA key (or one this check cannot read: the signer then reports it); otherwise what the key is.</summary>
        public static string? Of(string pem)
        {
            var match = Body.Match(pem);
            if (!match.Success)
            {
                return null;
            }

            byte[] der;
            try
            {
                der = Convert.FromBase64String(Regex.Replace(match.Groups["b"].Value.Replace("\\n", string.Empty), "\\s", string.Empty));
            }
            catch (FormatException)
            {
                return "text that is not base64";
            }

            // The algorithm identifier sits in the first few dozen bytes of a PrivateKeyInfo.
            var head = Math.Min(der.Length, 48);
            if (Contains(der, head, Rsa))
            {
                return null;
            }

            if (Contains(der, head, Ec))
            {
                return "an EC (elliptic-curve) key";
            }

            return Contains(der, head, Ed25519) ? "an Ed25519 key" : "a key of an unknown algorithm";
        }

        private static bool Contains(byte[] data, int length, byte[] pattern)
        {
            for (var i = 0; i + pattern.Length <= length; i++)
            {
                var match = true;
                for (var j = 0; j < pattern.Length && match; j++)
                {
                    match = data[i + j] == pattern[j];
                }

                if (match)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
