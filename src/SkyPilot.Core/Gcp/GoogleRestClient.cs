using System;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Gcp
{
    /// <summary>JSON calls to Google REST APIs with a bearer token; errors become <see cref="GoogleApiException"/>.</summary>
    internal sealed class GoogleRestClient
    {
        private readonly RetryingHttpSender _sender;

        public GoogleRestClient(RetryingHttpSender sender)
        {
            _sender = sender;
        }

        public async Task<JObject> SendAsync(HttpMethod method, string url, string accessToken, JObject? body, string operation, CancellationToken cancellationToken)
        {
            var payload = body?.ToString(Formatting.None);
            var result = await _sender.SendAsync(
                () =>
                {
                    var request = new HttpRequestMessage(method, url);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    if (payload != null)
                    {
                        request.Content = new StringContent(payload, Encoding.UTF8, "application/json");
                    }

                    return request;
                },
                operation,
                cancellationToken).ConfigureAwait(false);

            if (!result.IsSuccess)
            {
                throw new GoogleApiException(operation, GoogleApiError.Parse(result.StatusCode, result.Body));
            }

            try
            {
                return result.Body.Trim().Length == 0 ? new JObject() : JObject.Parse(result.Body);
            }
            catch (JsonException)
            {
                throw new GoogleApiException(operation, GoogleApiError.Parse(502, "{\"error\":{\"message\":\"the server answered with a body that is not JSON\"}}"));
            }
        }
    }
}
