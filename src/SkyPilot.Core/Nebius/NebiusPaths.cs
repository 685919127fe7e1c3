using System.IO;

namespace SkyPilot.Core.Nebius
{
    /// <summary>The files SkyPilot and the Nebius CLI keep in <c>~/.nebius/</c>.</summary>
    public sealed class NebiusPaths
    {
        public NebiusPaths(SkyEnvironment env)
        {
            Directory = Path.Combine(env.HomeDirectory, ".nebius");
        }

        public string Directory { get; }

        public string TokenFile => Path.Combine(Directory, "NEBIUS_IAM_TOKEN.txt");

        public string TenantFile => Path.Combine(Directory, "NEBIUS_TENANT_ID.txt");

        public string DomainFile => Path.Combine(Directory, "NEBIUS_DOMAIN.txt");

        public string ServiceAccountKeyFile => Path.Combine(Directory, "credentials.json");
    }
}
