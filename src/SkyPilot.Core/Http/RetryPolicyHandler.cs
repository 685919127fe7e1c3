using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.Core.Http
{
    /// <summary>
    /// <see cref="RetryingHttpSender"/>'s policy as a <see cref="DelegatingHandler"/>, for libraries that bring their own
    /// HttpClient (Google.Apis.Auth's token requests): the same per-attempt deadline, classification, backoff and
    /// redacted trace, run by the same code. The request is sent again as is, so its content must be re-readable (the
    /// form and JSON bodies such libraries send are).
    /// </summary>
    /// <remarks>
    /// The settings and the log are asked for per request: a library may keep its client (and this handler) longer than
    /// one cmdlet invocation, and each request is traced to the invocation that made it.
    /// </remarks>
    public sealed class RetryPolicyHandler : DelegatingHandler
    {
        private readonly Func<(HttpSettings Settings, ISkyLog Log)> _current;

        public RetryPolicyHandler(Func<(HttpSettings Settings, ISkyLog Log)> current, HttpMessageHandler inner)
            : base(inner)
        {
            _current = current;
        }

        /// <summary>
        /// Returns the last response (its content buffered), also a 429/5xx after the last attempt; throws
        /// <see cref="ServiceUnreachableException"/> when no attempt got one.
        /// </summary>
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var (settings, log) = _current();
            var sender = new RetryingHttpSender((r, token) => base.SendAsync(r, token), settings, log);
            var operation = request.Method + " " + request.RequestUri!.GetLeftPart(UriPartial.Path);
            var (response, _) = await sender.RunAsync(() => request, ownsRequests: false, operation, cancellationToken, null).ConfigureAwait(false);
            return response;
        }
    }
}
