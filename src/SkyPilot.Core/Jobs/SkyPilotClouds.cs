using System;
using System.Collections.Generic;

namespace SkyPilot.Core.Jobs
{
    /// <summary>Cloud names SkyPilot accepts in <c>infra</c>/<c>cloud</c>, with their aliases.</summary>
    public static class SkyPilotClouds
    {
        private static readonly Dictionary<string, string> Names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws"] = "aws",
            ["gcp"] = "gcp",
            ["azure"] = "azure",
            ["kubernetes"] = "kubernetes",
            ["k8s"] = "kubernetes",
            ["lambda"] = "lambda",
            ["nebius"] = "nebius",
            ["runpod"] = "runpod",
            ["oci"] = "oci",
            ["ibm"] = "ibm",
            ["scp"] = "scp",
            ["vsphere"] = "vsphere",
            ["cudo"] = "cudo",
            ["fluidstack"] = "fluidstack",
            ["paperspace"] = "paperspace",
            ["do"] = "do",
            ["vast"] = "vast",
            ["hyperbolic"] = "hyperbolic",
            ["ssh"] = "ssh",
            ["slurm"] = "slurm",
            ["seeweb"] = "seeweb",
            ["primeintellect"] = "primeintellect",
        };

        /// <summary>The canonical name, or null when SkyPilot has no such cloud.</summary>
        public static string? Normalize(string name) => Names.TryGetValue(name.Trim(), out var canonical) ? canonical : null;

        public static IEnumerable<string> All => new SortedSet<string>(Names.Values);
    }
}
