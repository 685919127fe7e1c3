using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.Core.Gcp
{
    /// <summary>Compute Engine v1, by hand.</summary>
    internal sealed class ComputeClient : IComputeClient
    {
        private readonly GoogleRestClient _rest;
        private readonly string _baseUrl;

        public ComputeClient(GoogleRestClient rest, string baseUrl)
        {
            _rest = rest;
            _baseUrl = baseUrl;
        }

        public Task GetProjectAsync(string project, string accessToken, CancellationToken cancellationToken)
        {
            var url = _baseUrl + "/projects/" + Uri.EscapeDataString(project) + "?fields=name,id";
            return _rest.SendAsync(HttpMethod.Get, url, accessToken, null, "Compute Engine projects.get", cancellationToken);
        }
    }
}
