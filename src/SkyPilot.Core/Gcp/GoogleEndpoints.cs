using System;

namespace SkyPilot.Core.Gcp
{
    /// <summary>
    /// Base URLs for Google APIs, following gcloud's override convention:
    /// <c>CLOUDSDK_API_ENDPOINT_OVERRIDES_&lt;API&gt;</c>, then the active configuration's <c>[api_endpoint_overrides]</c>,
    /// then (storage only) <c>STORAGE_EMULATOR_HOST</c>. An override names the API's root; a trailing version path is not doubled.
    /// </summary>
    internal sealed class GoogleEndpoints
    {
        private readonly SkyEnvironment _env;
        private readonly IniFile _gcloudProperties;

        public GoogleEndpoints(SkyEnvironment env, IniFile gcloudProperties)
        {
            _env = env;
            _gcloudProperties = gcloudProperties;
        }

        /// <summary>The root URL with the version path appended and no trailing slash, e.g. <c>https://compute.googleapis.com/compute/v1</c>.</summary>
        public string BaseUrl(GoogleApi api) => Root(api) + api.VersionPath;

        /// <summary>The root URL without the version path.</summary>
        public string Root(GoogleApi api)
        {
            var overridden = _env.Get("CLOUDSDK_API_ENDPOINT_OVERRIDES_" + api.Name.ToUpperInvariant())
                ?? _gcloudProperties.Get("api_endpoint_overrides", api.Name);
            if (overridden is null && api == GoogleApi.Storage)
            {
                var emulator = _env.Get("STORAGE_EMULATOR_HOST");
                if (emulator != null)
                {
                    overridden = emulator.Contains("://") ? emulator : "http://" + emulator;
                }
            }

            if (overridden is null)
            {
                return api.DefaultRoot;
            }

            var root = overridden.TrimEnd('/');
            if (root.EndsWith(api.VersionPath, StringComparison.OrdinalIgnoreCase))
            {
                root = root.Substring(0, root.Length - api.VersionPath.Length);
            }

            return root;
        }
    }
}
