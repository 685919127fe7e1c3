namespace SkyPilot.Core.Gcp
{
    /// <summary>A Google REST API: its gcloud override name, default root and version path.</summary>
    public sealed class GoogleApi
    {
        public static readonly GoogleApi ResourceManager = new GoogleApi("cloudresourcemanager", "https://cloudresourcemanager.googleapis.com", "/v1", "Cloud Resource Manager API");
        public static readonly GoogleApi Compute = new GoogleApi("compute", "https://compute.googleapis.com", "/compute/v1", "Compute Engine API");
        public static readonly GoogleApi Storage = new GoogleApi("storage", "https://storage.googleapis.com", "/storage/v1", "Cloud Storage API");

        /// <summary>Google's OAuth 2.0 endpoints (tokeninfo); no version path.</summary>
        public static readonly GoogleApi OAuth2 = new GoogleApi("oauth2", "https://oauth2.googleapis.com", string.Empty, "OAuth 2.0 API");

        private GoogleApi(string name, string defaultRoot, string versionPath, string title)
        {
            Name = name;
            DefaultRoot = defaultRoot;
            VersionPath = versionPath;
            Title = title;
        }

        /// <summary>gcloud's name for the API, as in <c>CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE</c>.</summary>
        public string Name { get; }

        public string DefaultRoot { get; }

        public string VersionPath { get; }

        public string Title { get; }

        /// <summary>The service name used by <c>gcloud services enable</c>.</summary>
        public string ServiceName => Name + ".googleapis.com";
    }
}
