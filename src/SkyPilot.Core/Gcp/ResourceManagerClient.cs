using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace SkyPilot.Core.Gcp
{
    /// <summary>Cloud Resource Manager v1, written by hand (the generated client is not on every feed).</summary>
    internal sealed class ResourceManagerClient : IResourceManagerClient
    {
        private readonly GoogleRestClient _rest;
        private readonly string _baseUrl;

        public ResourceManagerClient(GoogleRestClient rest, string baseUrl)
        {
            _rest = rest;
            _baseUrl = baseUrl;
        }

        public async Task<IReadOnlyList<string>> TestIamPermissionsAsync(string project, IReadOnlyList<string> permissions, string accessToken, CancellationToken cancellationToken)
        {
            var url = _baseUrl + "/projects/" + Uri.EscapeDataString(project) + ":testIamPermissions";
            var body = new JObject { ["permissions"] = new JArray(permissions.ToArray()) };
            var response = await _rest.SendAsync(HttpMethod.Post, url, accessToken, body, "Resource Manager testIamPermissions", cancellationToken).ConfigureAwait(false);
            return (response["permissions"] as JArray)?.Select(p => (string?)p).Where(p => p != null).Select(p => p!).ToList()
                ?? (IReadOnlyList<string>)Array.Empty<string>();
        }
    }
}
