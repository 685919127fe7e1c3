using System;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Config;
using SkyPilot.Core.Http;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// Base of the cmdlets that talk to the SkyPilot API server: the one way to find the server and build its client.
    /// </summary>
    /// <remarks>
    /// -Endpoint stays declared on each cmdlet: its position and pipeline binding differ per cmdlet, and a parameter
    /// declared here would come after the cmdlet's own in its metadata (Get-Command -Syntax, tab completion).
    /// </remarks>
    public abstract class SkyApiCmdlet : SkyCmdlet
    {
        /// <summary>
        /// The client for <paramref name="endpoint"/> (-Endpoint or a piped job's), else SKYPILOT_API_SERVER_ENDPOINT,
        /// else <c>api_server.endpoint</c> in the config, else the default. The config is loaded strictly: a file that
        /// exists but cannot be read or parsed is an error, so no request goes to a server the user did not configure.
        /// </summary>
        internal SkyApiClient ApiClient(string? endpoint) => ApiClient(SkyApiEndpoint.Resolve(endpoint, Environment, SkyConfig.LoadStrict(Environment)));

        /// <summary>The client for a server already resolved (a submission's plan).</summary>
        internal SkyApiClient ApiClient(SkyApiEndpoint endpoint) => new SkyApiClient(SharedHttpClient.Instance, endpoint, Environment, Log);

        /// <summary>
        /// Runs <paramref name="work"/> against the server at <paramref name="endpoint"/>. A Core failure is a
        /// non-terminating error record whose target is the server (as given until it is resolved), so the next
        /// record or server still goes ahead.
        /// </summary>
        internal void AtServer(string? endpoint, Action<SkyApiClient> work)
        {
            object? target = endpoint;
            try
            {
                var api = ApiClient(endpoint);
                target = api.Endpoint.ToString();
                work(api);
            }
            catch (SkyException e)
            {
                WriteError(ErrorMapping.From(e, target));
            }
        }
    }
}
