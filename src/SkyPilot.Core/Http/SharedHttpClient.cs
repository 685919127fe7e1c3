using System;
using System.Net.Http;
using System.Threading;

namespace SkyPilot.Core.Http
{
    /// <summary>One HttpClient per process, so connections are pooled across calls. Timeouts are set per call.</summary>
    public static class SharedHttpClient
    {
        private static readonly Lazy<HttpClient> Client = new Lazy<HttpClient>(
            () => new HttpClient { Timeout = Timeout.InfiniteTimeSpan },
            LazyThreadSafetyMode.ExecutionAndPublication);

        public static HttpClient Instance => Client.Value;
    }
}
