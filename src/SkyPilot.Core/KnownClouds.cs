using System;
using System.Collections.Generic;
using System.Linq;

namespace SkyPilot.Core
{
    /// <summary>The clouds this module can check, by canonical name.</summary>
    public static class KnownClouds
    {
        public const string Aws = "aws";
        public const string Gcp = "gcp";
        public const string Nebius = "nebius";
        public const string Kubernetes = "kubernetes";

        private static readonly Dictionary<string, string> Display = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [Aws] = "AWS",
            [Gcp] = "GCP",
            [Nebius] = "Nebius",
            [Kubernetes] = "Kubernetes",
        };

        /// <summary>Other names SkyPilot accepts for a cloud.</summary>
        private static readonly Dictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["k8s"] = Kubernetes,
        };

        public static IReadOnlyList<string> All { get; } = Display.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();

        /// <summary>The canonical name for user input in any case, or null when unknown.</summary>
        public static string? Normalize(string name)
        {
            var trimmed = name.Trim();
            if (Aliases.TryGetValue(trimmed, out var canonical))
            {
                return canonical;
            }

            return Display.Keys.FirstOrDefault(k => string.Equals(k, trimmed, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>Canonical names of validated user input (unknown names dropped), without repeats; null stays null.</summary>
        public static string[]? Normalize(IEnumerable<string>? names) =>
            names?.Select(Normalize).Where(n => n != null).Select(n => n!).Distinct().ToArray();

        public static string DisplayName(string cloud) => Display.TryGetValue(cloud, out var display) ? display : cloud;
    }
}
