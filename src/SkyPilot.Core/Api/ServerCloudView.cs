using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;

namespace SkyPilot.Core.Api
{
    /// <summary>What the API server's own check says a cloud can do (<c>POST /check</c>), with its reasons from the request log.</summary>
    public sealed class ServerCloudView
    {
        private static readonly Regex CloudLine = new Regex(@"^\s{0,4}([A-Za-z][\w ]*?): (enabled|disabled)\b(?:\s*\[([^\]]*)\])?", RegexOptions.Compiled);
        private static readonly Regex ReasonLine = new Regex(@"^\s+Reason(?: \[([^\]]*)\])?: (.*)$", RegexOptions.Compiled);

        public ServerCloudView(IReadOnlyDictionary<string, IReadOnlyList<string>> capabilities, IReadOnlyDictionary<string, string> reasons)
        {
            Capabilities = capabilities;
            Reasons = reasons;
        }

        /// <summary>Lower-case cloud name → enabled capabilities (<c>compute</c>, <c>storage</c>).</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<string>> Capabilities { get; }

        /// <summary>Lower-case cloud name → why the server has it (partly) disabled.</summary>
        public IReadOnlyDictionary<string, string> Reasons { get; }

        public bool Allows(string cloud, string capability) =>
            Capabilities.TryGetValue(cloud, out var caps) && caps.Contains(capability, StringComparer.OrdinalIgnoreCase);

        public string? ReasonFor(string cloud) => Reasons.TryGetValue(cloud, out var reason) ? reason : null;

        /// <summary>
        /// Reads <c>{"&lt;workspace&gt;": {"GCP": ["compute", "storage"]}}</c> (older servers: <c>{"&lt;workspace&gt;": ["GCP"]}</c>)
        /// and the check's log (<c>  GCP: disabled</c> then <c>    Reason [storage]: ...</c>).
        /// </summary>
        internal static ServerCloudView Parse(JToken? returnValue, string workspace, string log)
        {
            var capabilities = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
            var root = returnValue as JObject;
            var forWorkspace = root?[workspace] ?? root?.Properties().FirstOrDefault()?.Value;
            switch (forWorkspace)
            {
                case JObject byCloud:
                    foreach (var p in byCloud.Properties())
                    {
                        capabilities[p.Name.ToLowerInvariant()] = (p.Value as JArray ?? new JArray()).Select(c => c.ToString().ToLowerInvariant()).ToList();
                    }

                    break;
                case JArray names:
                    foreach (var name in names)
                    {
                        capabilities[name.ToString().ToLowerInvariant()] = new[] { "compute", "storage" };
                    }

                    break;
            }

            var reasons = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string? current = null;
            foreach (var line in (AnsiText.Strip(log) ?? string.Empty).Split('\n'))
            {
                var cloud = CloudLine.Match(line.TrimEnd('\r'));
                if (cloud.Success)
                {
                    current = cloud.Groups[1].Value.Trim().ToLowerInvariant();
                    continue;
                }

                var reason = ReasonLine.Match(line.TrimEnd('\r'));
                if (reason.Success && current != null && !reasons.ContainsKey(current))
                {
                    reasons[current] = (reason.Groups[1].Success ? "[" + reason.Groups[1].Value + "] " : string.Empty) + reason.Groups[2].Value.Trim();
                }
            }

            return new ServerCloudView(capabilities, reasons);
        }
    }
}
