using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;

namespace SkyPilot.Core.Aws
{
    /// <summary>AWS Signature Version 4 (the <c>Authorization: AWS4-HMAC-SHA256</c> header) for one request.</summary>
    internal static class SigV4Signer
    {
        public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

        /// <summary>
        /// Signs <paramref name="request"/> in place. Its URI must already be in canonical form: path segments and query
        /// encoded with <see cref="Encode"/>, query parameters sorted.
        /// </summary>
        public static void Sign(HttpRequestMessage request, AwsCredentials credentials, string region, string service, string payloadHash, DateTimeOffset now)
        {
            var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var date = amzDate.Substring(0, 8);
            var uri = request.RequestUri!;
            request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
            request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
            if (credentials.SessionToken != null)
            {
                request.Headers.TryAddWithoutValidation("x-amz-security-token", credentials.SessionToken);
            }

            var headers = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["host"] = uri.IsDefaultPort ? uri.Host : uri.Host + ":" + uri.Port };
            foreach (var header in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
            {
                var name = header.Key.ToLowerInvariant();
                if (name.StartsWith("x-amz-", StringComparison.Ordinal) || name == "content-md5" || name == "content-type")
                {
                    headers[name] = string.Join(",", header.Value.Select(v => v.Trim()));
                }
            }

            var signedHeaders = string.Join(";", headers.Keys);
            var canonical = request.Method.Method + "\n"
                + (uri.AbsolutePath.Length == 0 ? "/" : uri.AbsolutePath) + "\n"
                + (uri.Query.StartsWith("?", StringComparison.Ordinal) ? uri.Query.Substring(1) : uri.Query) + "\n"
                + string.Concat(headers.Select(h => h.Key + ":" + h.Value + "\n")) + "\n"
                + signedHeaders + "\n"
                + payloadHash;
            var scope = date + "/" + region + "/" + service + "/aws4_request";
            var toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + Hex(Sha256(Encoding.UTF8.GetBytes(canonical)));
            var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), date), region), service), "aws4_request");
            var signature = Hex(Hmac(key, toSign));
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.AccessKeyId + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
        }

        /// <summary>RFC 3986 percent-encoding as SigV4 wants it (unreserved characters kept; <c>/</c> kept when <paramref name="keepSlash"/>).</summary>
        public static string Encode(string value, bool keepSlash = false)
        {
            var builder = new StringBuilder(value.Length);
            foreach (var b in Encoding.UTF8.GetBytes(value))
            {
                var c = (char)b;
                if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/'))
                {
                    builder.Append(c);
                }
                else
                {
                    builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }

            return builder.ToString();
        }

        /// <summary>A canonical query string: encoded, sorted by name then value.</summary>
        public static string Query(IEnumerable<KeyValuePair<string, string>> parameters) =>
            string.Join("&", parameters.Select(p => Encode(p.Key) + "=" + Encode(p.Value)).OrderBy(s => s, StringComparer.Ordinal));

        public static string PayloadHash(byte[] payload, int offset, int count)
        {
            using (var sha = SHA256.Create())
            {
                return Hex(sha.ComputeHash(payload, offset, count));
            }
        }

        public static byte[] Sha256(byte[] data)
        {
            using (var sha = SHA256.Create())
            {
                return sha.ComputeHash(data);
            }
        }

        private static byte[] Hmac(byte[] key, string data)
        {
            using (var hmac = new HMACSHA256(key))
            {
                return hmac.ComputeHash(Encoding.UTF8.GetBytes(data));
            }
        }

        public static string Hex(byte[] bytes)
        {
            var builder = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes)
            {
                builder.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }

            return builder.ToString();
        }
    }
}
