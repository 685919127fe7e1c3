using System;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Gcp
{
    /// <summary>Authenticated access to GCP REST APIs for the environment snapshot's identity (the one its checks used).</summary>
    internal sealed class GcpAccess
    {
        private GcpAccess(GcpResolution resolution, HttpSettings settings)
        {
            Resolution = resolution;
            Endpoints = new GoogleEndpoints(resolution.Environment, resolution.Gcloud.Properties);
            Settings = settings;
        }

        public GcpResolution Resolution { get; }

        public GoogleEndpoints Endpoints { get; }

        public HttpSettings Settings { get; }

        public static GcpAccess For(SkyEnvironment environment)
        {
            return new GcpAccess(GcpIdentityResolver.ResolveOnce(environment), HttpSettings.FromEnvironment(environment));
        }

        /// <summary>A Cloud Storage client for this identity at the configured storage endpoint.</summary>
        public Storage.GcsClient Storage(System.Net.Http.HttpClient http, ISkyLog log) =>
            new Storage.GcsClient(http, Settings, log, Endpoints.Root(GoogleApi.Storage), TokenSource(log));

        public Func<CancellationToken, Task<string>> TokenSource(ISkyLog log)
        {
            var tokens = new GoogleAuthTokenSource(Settings, log);
            var credential = Resolution.Credential;
            return ct => tokens.GetAccessTokenAsync(credential, ct);
        }
    }
}
