namespace SkyPilot.Core.Storage
{
    /// <summary>What the module needs of a Cloud Storage object.</summary>
    public sealed class GcsObjectInfo
    {
        public GcsObjectInfo(string name, long size, string? md5Base64, string? generation)
        {
            Name = name;
            Size = size;
            Md5Base64 = md5Base64;
            Generation = generation;
        }

        public string Name { get; }

        public long Size { get; }

        public string? Md5Base64 { get; }

        public string? Generation { get; }
    }
}
