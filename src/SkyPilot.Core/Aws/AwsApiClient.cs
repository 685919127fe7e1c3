using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using System.Xml.Linq;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Aws
{
    /// <summary>
    /// Signed calls to AWS over the module's one transport (<see cref="RetryingHttpSender"/>: timeouts, retries, redacted
    /// traces): the query protocol of STS and EC2, and S3's REST calls.
    /// </summary>
    internal sealed class AwsApiClient
    {
        private readonly RetryingHttpSender _sender;
        private readonly Func<DateTimeOffset> _clock;

        public AwsApiClient(HttpClient http, HttpSettings settings, ISkyLog log, Func<DateTimeOffset>? clock = null)
        {
            _sender = new RetryingHttpSender(http, settings, log);
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>A query-protocol action (STS, EC2): form POST, XML answer. Unsigned when <paramref name="credentials"/> is null.</summary>
        public async Task<XElement> QueryAsync(Uri endpoint, string service, string region, AwsCredentials? credentials, string action, string version, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
        {
            var body = SigV4Signer.Query(new[] { new KeyValuePair<string, string>("Action", action), new KeyValuePair<string, string>("Version", version) }.Concat(parameters));
            var bytes = Encoding.UTF8.GetBytes(body);
            var operation = service + ":" + action;
            var result = await _sender.SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "/")) { Content = new ByteArrayContent(bytes) };
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-8");
                if (credentials != null)
                {
                    SigV4Signer.Sign(request, credentials, region, service, SigV4Signer.PayloadHash(bytes, 0, bytes.Length), _clock());
                }

                return request;
            }, operation, cancellationToken).ConfigureAwait(false);
            var xml = ParseXml(result.Body);
            if (!result.IsSuccess)
            {
                throw Error(operation, result.StatusCode, xml);
            }

            return xml ?? throw new AwsApiException(operation, result.StatusCode, "MalformedResponse", "the answer was not XML");
        }

        /// <summary>
        /// A REST call (S3). <paramref name="pathAndQuery"/> is already canonical (see <see cref="SigV4Signer.Encode"/>).
        /// The body, when given, is <paramref name="count"/> bytes of <paramref name="body"/> from <paramref name="offset"/>.
        /// </summary>
        public Task<HttpCallResult> RestAsync(HttpMethod method, Uri baseUri, string pathAndQuery, string service, string region, AwsCredentials credentials, string operation,
            CancellationToken cancellationToken, byte[]? body = null, int offset = 0, int count = 0, IReadOnlyDictionary<string, string>? headers = null)
        {
            var payloadHash = body is null ? SigV4Signer.EmptyPayloadHash : SigV4Signer.PayloadHash(body, offset, count);
            return _sender.SendAsync(() =>
            {
                var request = new HttpRequestMessage(method, new Uri(baseUri.GetLeftPart(UriPartial.Authority) + pathAndQuery));
                if (body != null)
                {
                    request.Content = new ByteArrayContent(body, offset, count);
                }

                foreach (var header in headers ?? new Dictionary<string, string>())
                {
                    if (header.Key.Equals("Content-MD5", StringComparison.OrdinalIgnoreCase) || header.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    {
                        request.Content ??= new ByteArrayContent(Array.Empty<byte>());
                        request.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }
                    else
                    {
                        request.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }
                }

                SigV4Signer.Sign(request, credentials, region, service, payloadHash, _clock());
                return request;
            }, operation, cancellationToken);
        }

        /// <summary>A GET with a bearer header (the SSO portal) or none, answering JSON.</summary>
        public Task<HttpCallResult> GetAsync(Uri uri, IReadOnlyDictionary<string, string> headers, string operation, CancellationToken cancellationToken)
        {
            return _sender.SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, uri);
                foreach (var header in headers)
                {
                    request.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                return request;
            }, operation, cancellationToken);
        }

        public static XElement? ParseXml(string body)
        {
            if (string.IsNullOrWhiteSpace(body))
            {
                return null;
            }

            try
            {
                return XElement.Parse(body);
            }
            catch (XmlException)
            {
                return null;
            }
        }

        /// <summary>The error of an answer: <c>ErrorResponse/Error</c> (STS), <c>Response/Errors/Error</c> (EC2) or <c>Error</c> (S3).</summary>
        public static AwsApiException Error(string operation, int status, XElement? xml)
        {
            var error = xml is null ? null : xml.Name.LocalName == "Error" ? xml : xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            var code = Child(error, "Code") ?? (status == 404 ? "NotFound" : status == 403 ? "AccessDenied" : status == 301 ? "PermanentRedirect" : "HTTP" + status);
            return new AwsApiException(operation, status, code, Redactor.Redact(Child(error, "Message") ?? string.Empty));
        }

        /// <summary>The value of the first descendant named <paramref name="name"/> (namespaces ignored).</summary>
        public static string? Child(XElement? element, string name) =>
            element?.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
    }
}
