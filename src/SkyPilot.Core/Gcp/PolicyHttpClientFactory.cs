using System;
using System.Linq;
using System.Net.Http;
using Google.Apis.Http;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Gcp
{
    /// <summary>
    /// The HttpClient factory handed to Google.Apis.Auth credentials, so that token requests go through the module's
    /// one policy: <see cref="RetryPolicyHandler"/> is the inner handler of Google's <see cref="ConfigurableHttpClient"/>,
    /// and Google's own retries are off.
    /// </summary>
    /// <remarks>
    /// The credentials made by <c>CredentialFactory.FromJson</c> expose no setter for their
    /// <c>DefaultExponentialBackOffPolicy</c>; they add their backoff as an <see cref="ExponentialBackOffInitializer"/>
    /// in the arguments they pass to this factory, so it is dropped here, and the message handler is limited to one try.
    /// </remarks>
    internal sealed class PolicyHttpClientFactory : IHttpClientFactory
    {
        private readonly HandlerFactory _handlers;

        public PolicyHttpClientFactory(Func<(HttpSettings Settings, ISkyLog Log)> current)
        {
            _handlers = new HandlerFactory(current);
        }

        public ConfigurableHttpClient CreateHttpClient(CreateHttpClientArgs args)
        {
            foreach (var backoff in args.Initializers.OfType<ExponentialBackOffInitializer>().ToList())
            {
                args.Initializers.Remove(backoff);
            }

            var client = _handlers.CreateHttpClient(args);
            client.MessageHandler.NumTries = 1;
            return client;
        }

        /// <summary>Google's factory (proxy, decompression) with the policy between its message handler and the socket.</summary>
        private sealed class HandlerFactory : HttpClientFactory
        {
            private readonly Func<(HttpSettings Settings, ISkyLog Log)> _current;

            public HandlerFactory(Func<(HttpSettings Settings, ISkyLog Log)> current)
            {
                _current = current;
            }

            protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => new RetryPolicyHandler(_current, base.CreateHandler(args));
        }
    }
}
