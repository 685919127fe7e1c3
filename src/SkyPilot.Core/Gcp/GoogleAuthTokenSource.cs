using System;
using System.Collections.Concurrent;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Gcp
{
    /// <summary>
    /// Access tokens from Google.Apis.Auth. The library credential (and the token it holds until expiry) is reused
    /// only while the key file's content is unchanged: a changed file gets a fresh credential.
    /// </summary>
    /// <remarks>
    /// Token requests go through the module's one transport policy (<see cref="PolicyHttpClientFactory"/>: per-attempt
    /// deadline, retry classification, backoff and redacted trace), with the library's own backoff off. Credentials
    /// outlive an invocation, so the settings and log of the invocation asking for a token travel with the call
    /// (<see cref="Current"/>), not with the cached credential.
    /// </remarks>
    internal sealed class GoogleAuthTokenSource : IGoogleTokenSource
    {
        private const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

        // Keyed by credential path; the digest says whether the cached credential still matches the file.
        private static readonly ConcurrentDictionary<string, (string Digest, GoogleCredential Credential)> Credentials =
            new ConcurrentDictionary<string, (string, GoogleCredential)>(StringComparer.Ordinal);

        private static readonly AsyncLocal<(HttpSettings Settings, ISkyLog Log)?> Current = new AsyncLocal<(HttpSettings, ISkyLog)?>();

        private static readonly PolicyHttpClientFactory HttpFactory = new PolicyHttpClientFactory(() => Current.Value ?? (new HttpSettings(), NullSkyLog.Instance));

        private readonly HttpSettings _settings;
        private readonly ISkyLog _log;

        public GoogleAuthTokenSource(HttpSettings settings, ISkyLog log)
        {
            _settings = settings;
            _log = log;
        }

        public async Task<string> GetAccessTokenAsync(AdcCredential credential, CancellationToken cancellationToken)
        {
            var google = CredentialFor(credential);
            Current.Value = (_settings, _log);
            try
            {
                var access = (ITokenAccess)google;
                return await access.GetAccessTokenForRequestAsync(null, cancellationToken).ConfigureAwait(false);
            }
            catch (ServiceUnreachableException e)
            {
                throw new GoogleAuthException(CheckStatus.Unreachable, "the token endpoint could not be reached: " + e.Detail, NetworkHint, e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // The library's own timeout: ours are per attempt, inside the policy.
                throw new GoogleAuthException(CheckStatus.Unreachable, "the token endpoint did not answer", NetworkHint, e);
            }
            catch (TokenResponseException e)
            {
                var detail = e.Error?.Error ?? "error";
                if (!string.IsNullOrEmpty(e.Error?.ErrorDescription))
                {
                    detail += ": " + e.Error!.ErrorDescription;
                }

                if (e.StatusCode.HasValue && (int)e.StatusCode.Value >= 500)
                {
                    throw new GoogleAuthException(CheckStatus.Unreachable, "the token endpoint failed (HTTP " + (int)e.StatusCode.Value + ")", NetworkHint, e);
                }

                throw new GoogleAuthException(
                    CheckStatus.AuthenticationFailed,
                    "the token endpoint refused the " + credential.Type + " credential (" + Redactor.Redact(detail) + ")",
                    RefusedHint(credential),
                    e);
            }
            catch (HttpRequestException e)
            {
                throw new GoogleAuthException(CheckStatus.Unreachable, "the token endpoint could not be reached: " + Redactor.Redact(e.GetBaseException().Message), NetworkHint, e);
            }
            catch (Exception e) when (e is InvalidOperationException || e is ArgumentException || e is FormatException || e is System.Security.Cryptography.CryptographicException)
            {
                throw new GoogleAuthException(CheckStatus.InvalidCredentials, "the credential could not be used: " + Redactor.Redact(e.Message), RefusedHint(credential), e);
            }
        }

        private const string NetworkHint = "Check the network connection and proxy settings, then retry.";

        private static string RefusedHint(AdcCredential credential)
        {
            return credential.Type == AdcCredential.ServiceAccount
                ? "The key may be deleted or disabled: create a new one with 'gcloud iam service-accounts keys create KEY.json --iam-account=" + (credential.ClientEmail ?? "SA_EMAIL") + "'."
                : "Run 'gcloud auth application-default login' again.";
        }

        private static GoogleCredential CredentialFor(AdcCredential credential)
        {
            if (credential.Type == AdcCredential.MetadataServer)
            {
                return Credentials.GetOrAdd("<metadata>", _ => ("metadata", GoogleCredential.FromComputeCredential(new ComputeCredential(new ComputeCredential.Initializer { HttpClientFactory = HttpFactory })))).Credential;
            }

            var digest = FingerprintBuilder.Digest(credential.Content!, 32);
            var path = credential.Path!;
            if (Credentials.TryGetValue(path, out var cached) && cached.Digest == digest)
            {
                return cached.Credential;
            }

            GoogleCredential created;
            try
            {
                var json = Encoding.UTF8.GetString(credential.Content!);
                created = CredentialFactory.FromJson(json, credential.Type).CreateScoped(CloudPlatformScope).CreateWithHttpClientFactory(HttpFactory);
            }
            catch (Exception e) when (e is InvalidOperationException || e is ArgumentException || e is FormatException || e is System.Security.Cryptography.CryptographicException || e is Newtonsoft.Json.JsonException)
            {
                throw new GoogleAuthException(CheckStatus.InvalidCredentials, "credential file " + path + " could not be loaded: " + Redactor.Redact(e.Message), RefusedHint(credential), e);
            }

            Credentials[path] = (digest, created);
            return created;
        }
    }
}
