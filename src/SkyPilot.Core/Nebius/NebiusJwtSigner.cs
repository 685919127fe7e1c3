using System;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json.Linq;

namespace SkyPilot.Core.Nebius
{
    /// <summary>Signs the short-lived RS256 JWT a service account presents to the token exchange.</summary>
    internal static class NebiusJwtSigner
    {
        public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

        public static string Sign(NebiusServiceAccountKey key, DateTimeOffset now)
        {
#if NET8_0_OR_GREATER
            var header = new JObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = key.KeyId };
            var payload = new JObject
            {
                ["iss"] = key.ServiceAccountId,
                ["sub"] = key.ServiceAccountId,
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = (now + Lifetime).ToUnixTimeSeconds(),
                ["jti"] = Guid.NewGuid().ToString("N"),
            };
            var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToString(Newtonsoft.Json.Formatting.None))) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToString(Newtonsoft.Json.Formatting.None)));
            using var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(key.PrivateKeyPem);
            }
            catch (ArgumentException e)
            {
                throw new CryptographicException("the private key in the service-account key is not a PEM RSA key", e);
            }

            var signature = rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return signingInput + "." + Base64Url(signature);
#else
            throw new PlatformNotSupportedException("Service-account keys need PowerShell 7 (.NET 8 or later).");
#endif
        }

        private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
