using System;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>An API answer that was not a success, with the Status object's message when the server sent one.</summary>
    internal sealed class KubeApiException : SkyException
    {
        public KubeApiException(int statusCode, string message, string? reason)
            : base(message)
        {
            StatusCode = statusCode;
            Reason = reason;
        }

        public int StatusCode { get; }

        /// <summary>The Status object's <c>reason</c>, e.g. <c>Forbidden</c>, <c>Unauthorized</c>.</summary>
        public string? Reason { get; }

        public override string ErrorId => StatusCode == 401 ? "AuthenticationFailed" : StatusCode == 403 ? "PermissionDenied" : StatusCode == 404 ? "NotFound" : "ApiError";

        public override SkyErrorKind Kind => StatusCode == 401 ? SkyErrorKind.AuthenticationFailed : StatusCode == 403 ? SkyErrorKind.PermissionDenied : StatusCode == 404 ? SkyErrorKind.NotFound : SkyErrorKind.BadResult;
    }

    /// <summary>
    /// The few Kubernetes API calls the check makes, over the module's HTTP transport (<see cref="RetryingHttpSender"/>):
    /// list pods, SelfSubjectAccessReview, SelfSubjectReview (whoami).
    /// </summary>
    internal sealed class KubeApiClient
    {
        private readonly RetryingHttpSender _sender;
        private readonly string _server;
        private readonly AuthenticationHeaderValue? _authorization;

        public KubeApiClient(HttpClient http, HttpSettings settings, ISkyLog log, string server, AuthenticationHeaderValue? authorization)
        {
            _sender = new RetryingHttpSender(http, settings, log);
            _server = server.TrimEnd('/');
            _authorization = authorization;
        }

        /// <summary>What SkyPilot's <c>check_credentials</c> does: list the pods of the namespace. Throws on any non-success.</summary>
        public async Task ListPodsAsync(string ns, CancellationToken cancellationToken)
        {
            var result = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/" + Uri.EscapeDataString(ns) + "/pods?limit=1", null, "list pods", cancellationToken).ConfigureAwait(false);
            Ensure(result);
        }

        /// <summary>A SelfSubjectAccessReview: whether the caller may do <paramref name="access"/> in the namespace.</summary>
        public async Task<bool> CanIAsync(KubeAccess access, string ns, CancellationToken cancellationToken)
        {
            var attributes = new JObject { ["namespace"] = ns, ["verb"] = access.Verb, ["group"] = string.Empty, ["resource"] = access.Resource };
            if (access.Subresource != null)
            {
                attributes["subresource"] = access.Subresource;
            }

            var body = new JObject
            {
                ["apiVersion"] = "authorization.k8s.io/v1",
                ["kind"] = "SelfSubjectAccessReview",
                ["spec"] = new JObject { ["resourceAttributes"] = attributes },
            };
            var result = await SendAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body, "access review (" + access.Name + ")", cancellationToken).ConfigureAwait(false);
            Ensure(result);
            return Parse(result)?["status"]?.Value<bool?>("allowed") == true;
        }

        /// <summary>The authenticated user's name (<c>kubectl auth whoami</c>); null when the server does not offer the API.</summary>
        public async Task<string?> WhoAmIAsync(CancellationToken cancellationToken)
        {
            var body = new JObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" };
            var result = await SendAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews", body, "whoami", cancellationToken).ConfigureAwait(false);
            if (result.StatusCode == 404)
            {
                return null; // before Kubernetes 1.28 the v1 API does not exist
            }

            Ensure(result);
            return Parse(result)?["status"]?["userInfo"]?.Value<string>("username");
        }

        private Task<HttpCallResult> SendAsync(HttpMethod method, string path, JObject? body, string operation, CancellationToken cancellationToken)
        {
            var json = body?.ToString(Formatting.None);
            return _sender.SendAsync(
                () =>
                {
                    var request = new HttpRequestMessage(method, _server + path);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    request.Headers.Authorization = _authorization;
                    if (json != null)
                    {
                        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                    }

                    return request;
                },
                "Kubernetes " + operation,
                cancellationToken);
        }

        private static void Ensure(HttpCallResult result)
        {
            if (result.IsSuccess)
            {
                return;
            }

            var status = Parse(result);
            var message = status?.Value<string>("message");
            throw new KubeApiException(result.StatusCode, Redactor.Redact(string.IsNullOrEmpty(message) ? "HTTP " + result.StatusCode : message), status?.Value<string>("reason"));
        }

        private static JObject? Parse(HttpCallResult result)
        {
            try
            {
                return JObject.Parse(result.Body);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
