using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>
    /// TLS for a context as kubectl does it: trust only the context's CA (or the system's when none is given), or nothing
    /// with <c>insecure-skip-tls-verify</c>; present the client certificate; use the <c>proxy-url</c>. One HttpClient per
    /// distinct configuration, keyed by a digest of its content, so a changed CA or certificate gets a new connection pool.
    /// </summary>
    internal static class KubeTls
    {
        private const int MaxClients = 32;
        private static readonly ConcurrentDictionary<string, HttpClient> Clients = new ConcurrentDictionary<string, HttpClient>(StringComparer.Ordinal);

        /// <summary>True when this build can present a PEM client certificate (it needs .NET 8's PEM key import).</summary>
        public static bool ClientCertificatesSupported =>
#if NET8_0_OR_GREATER
            true;
#else
            false;
#endif

        public static HttpClient Client(KubeTarget target, byte[]? clientCertificate, byte[]? clientKey)
        {
            var key = FingerprintBuilder.Digest(Encoding.UTF8.GetBytes(string.Join("\n",
                target.CaData is null ? "<system>" : Convert.ToBase64String(target.CaData),
                target.InsecureSkipTlsVerify.ToString(),
                target.TlsServerName ?? string.Empty,
                target.ProxyUrl ?? string.Empty,
                clientCertificate is null ? string.Empty : Convert.ToBase64String(clientCertificate),
                clientKey is null ? string.Empty : Convert.ToBase64String(clientKey))), 32);
            if (Clients.TryGetValue(key, out var existing))
            {
                return existing;
            }

            if (Clients.Count >= MaxClients)
            {
                Clients.Clear(); // dropped clients finish their requests; they are collected afterwards
            }

            return Clients.GetOrAdd(key, _ => Create(target, clientCertificate, clientKey));
        }

        private static HttpClient Create(KubeTarget target, byte[]? clientCertificate, byte[]? clientKey)
        {
            var roots = target.CaData is null ? new List<X509Certificate2>() : ParseCertificates(target.CaData);
            var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) => Validate(target, roots, certificate, errors),
            };
            if (target.ProxyUrl != null)
            {
                handler.Proxy = new WebProxy(new Uri(target.ProxyUrl));
                handler.UseProxy = true;
            }

            if (clientCertificate != null && clientKey != null)
            {
                handler.ClientCertificateOptions = ClientCertificateOption.Manual;
                handler.ClientCertificates.Add(LoadClientCertificate(clientCertificate, clientKey));
            }

            return new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        }

        private static bool Validate(KubeTarget target, IReadOnlyList<X509Certificate2> roots, X509Certificate2? certificate, SslPolicyErrors errors)
        {
            if (target.InsecureSkipTlsVerify)
            {
                return true;
            }

            if (certificate is null)
            {
                return false;
            }

            var nameErrors = (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0;
            if (target.TlsServerName != null)
            {
                nameErrors = !MatchesName(certificate, target.TlsServerName);
            }

            if (nameErrors)
            {
                return false;
            }

            if (roots.Count == 0)
            {
                return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
            }

            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
#if NET8_0_OR_GREATER
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
                return chain.Build(certificate);
#else
                chain.ChainPolicy.ExtraStore.AddRange(roots.ToArray());
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                if (!chain.Build(certificate))
                {
                    return false;
                }

                var root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
                return roots.Any(r => string.Equals(r.Thumbprint, root.Thumbprint, StringComparison.OrdinalIgnoreCase));
#endif
            }
        }

        private static bool MatchesName(X509Certificate2 certificate, string name)
        {
#if NET8_0_OR_GREATER
            return certificate.MatchesHostname(name);
#else
            return string.Equals(certificate.GetNameInfo(X509NameType.DnsName, false), name, StringComparison.OrdinalIgnoreCase);
#endif
        }

        /// <summary>Every certificate in PEM text, or the one DER certificate.</summary>
        public static List<X509Certificate2> ParseCertificates(byte[] data)
        {
            var text = Encoding.ASCII.GetString(data);
            const string begin = "-----BEGIN CERTIFICATE-----";
            const string end = "-----END CERTIFICATE-----";
            var result = new List<X509Certificate2>();
            if (text.IndexOf(begin, StringComparison.Ordinal) < 0)
            {
                result.Add(new X509Certificate2(data));
                return result;
            }

            var at = 0;
            while ((at = text.IndexOf(begin, at, StringComparison.Ordinal)) >= 0)
            {
                var stop = text.IndexOf(end, at, StringComparison.Ordinal);
                if (stop < 0)
                {
                    break;
                }

                var body = text.Substring(at + begin.Length, stop - at - begin.Length);
                result.Add(new X509Certificate2(Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c))))));
                at = stop + end.Length;
            }

            return result;
        }

        private static X509Certificate2 LoadClientCertificate(byte[] certificate, byte[] key)
        {
#if NET8_0_OR_GREATER
            var pair = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(certificate), Encoding.ASCII.GetString(key));
            if (OperatingSystem.IsWindows())
            {
                // SChannel cannot use an ephemeral key: give it one that lives in a key container.
                using (pair)
                {
                    return new X509Certificate2(pair.Export(X509ContentType.Pkcs12));
                }
            }

            return pair;
#else
            throw new PlatformNotSupportedException("client certificates need PowerShell 7 (.NET 8 or later)");
#endif
        }

        /// <summary>Checks a PEM certificate and key can be loaded, so a bad pair is a configuration error, not a TLS failure.</summary>
        public static string? ClientCertificateProblem(byte[] certificate, byte[] key)
        {
            try
            {
                LoadClientCertificate(certificate, key).Dispose();
                return null;
            }
            catch (Exception e) when (e is CryptographicException || e is ArgumentException || e is FormatException)
            {
                return "the client certificate or key cannot be loaded (" + e.GetType().Name + ")";
            }
        }
    }
}
