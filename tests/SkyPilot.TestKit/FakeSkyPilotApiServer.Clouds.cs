using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SkyPilot.TestKit;

/// <summary>
/// The server's own view of the clouds: its enabled-clouds cache (what <c>GET /enabled_clouds</c> and a launch read),
/// what its check finds when asked (<c>POST /check</c>, which rewrites the cache), and <c>POST /validate</c>. Tests can
/// make this view disagree with the client's. A launch whose task names <c>gs://</c> while the cache lacks GCP storage
/// fails with <c>NotSupportedError</c>, as a 0.13 server's does.
/// </summary>
public sealed partial class FakeSkyPilotApiServer
{
    public const string Check = "sky.check";
    public const string EnabledClouds = "sky.enabled_clouds";

    private static readonly string[] BothCapabilities = ["compute", "storage"];
    private readonly Dictionary<string, string[]> _cloudCache = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GCP"] = BothCapabilities, ["Nebius"] = BothCapabilities, ["Kubernetes"] = ["compute"],
    };

    private readonly Dictionary<string, (string[] Capabilities, string? Reason)> _checkFinds = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Sets the server's cached view of a cloud (display name, e.g. <c>GCP</c>) without a check.</summary>
    public void SetCachedCloud(string cloud, params string[] capabilities)
    {
        lock (_gate)
        {
            _cloudCache[cloud] = capabilities;
        }
    }

    /// <summary>What the server's check will find for a cloud from now on, with the reason it prints for what is disabled.</summary>
    public void SetCheckFinds(string cloud, string[] capabilities, string? reason = null)
    {
        lock (_gate)
        {
            _checkFinds[cloud] = (capabilities, reason);
        }
    }

    /// <summary>The clouds each <c>POST /check</c> asked for (null: all), in order.</summary>
    public IReadOnlyList<IReadOnlyList<string>?> Checks
    {
        get
        {
            lock (_gate)
            {
                return [.. _checks];
            }
        }
    }

    private readonly List<IReadOnlyList<string>?> _checks = [];

    /// <summary>Whether the server's cache has <paramref name="capability"/> for <paramref name="cloud"/> (call under the lock).</summary>
    private bool Cached(string cloud, string capability) => _cloudCache.TryGetValue(cloud, out var caps) && caps.Contains(capability);

    private async Task EnabledCloudsAsync(HttpContext context)
    {
        var id = Guid.NewGuid().ToString();
        Schedule(id, EnabledClouds, string.Empty, "short", () =>
            new JsonArray([.. _cloudCache.Where(c => c.Value.Contains("compute")).Select(c => (JsonNode)JsonValue.Create(c.Key.ToLowerInvariant())!)]), null);
        await AcceptAsync(context, id);
    }

    private async Task CheckAsync(HttpContext context, string text)
    {
        if (ParseBody(text) is not { } body)
        {
            await WriteMissingBody(context, null, null);
            return;
        }

        var asked = Strs(body, "clouds");
        var workspace = Str(body, "workspace") ?? Workspace;
        var id = Guid.NewGuid().ToString();
        lock (_gate)
        {
            _checks.Add(asked);
        }

        Schedule(id, Check, text, "short", () =>
        {
            var log = Log(id);
            log.Append("Checking credentials to enable infra for SkyPilot.\n");
            var names = asked?.Select(a => _cloudCache.Keys.Concat(_checkFinds.Keys).FirstOrDefault(k => k.Equals(a, StringComparison.OrdinalIgnoreCase)) ?? a).ToList()
                ?? [.. _cloudCache.Keys.Concat(_checkFinds.Keys).Distinct(StringComparer.OrdinalIgnoreCase)];
            foreach (var cloud in names)
            {
                var (caps, reason) = _checkFinds.TryGetValue(cloud, out var found) ? found : (_cloudCache.TryGetValue(cloud, out var cached) ? cached : [], null);
                _cloudCache[cloud] = caps;
                var missing = BothCapabilities.Except(caps).ToList();
                log.Append(caps.Length > 0 ? $"\u001b[32m  {cloud}: enabled [{string.Join(", ", caps)}]\u001b[0m\n" : $"\u001b[2m  {cloud}: disabled \u001b[0m\u001b[0m\n");
                if (missing.Count > 0)
                {
                    log.Append($"    Reason [{string.Join(", ", missing)}]: {reason ?? "credentials are not set up"}\n");
                }
            }

            var enabled = new JsonObject();
            foreach (var (cloud, caps) in _cloudCache.Where(c => c.Value.Length > 0))
            {
                enabled[cloud] = new JsonArray([.. caps.Select(c => (JsonNode)JsonValue.Create(c)!)]);
            }

            return new JsonObject { [workspace] = enabled };
        }, TakeFailure(Check));
        await AcceptAsync(context, id);
    }

    /// <summary>Synchronous: 200 <c>null</c> when valid, 400 <c>{"detail": {type, message, ...}}</c> when not, 422 without request_options.</summary>
    private async Task ValidateAsync(HttpContext context, string text)
    {
        if (ParseBody(text) is not { } body || !body.ContainsKey("request_options"))
        {
            await WriteMissingBody(context, ParseBody(text) is null ? null : "request_options", ParseBody(text));
            return;
        }

        var dag = Str(body, "dag") ?? string.Empty;
        var known = new[] { "name", "workdir", "num_nodes", "resources", "envs", "secrets", "file_mounts", "setup", "run", "config", "event_callback", "service", "volumes", "managed_secrets", "volume_mounts", "api_server_access", "file_mounts_mapping", "pool", "inputs", "outputs", "_metadata" };
        var unknown = System.Text.RegularExpressions.Regex.Matches(dag, @"^([A-Za-z_]\w*):", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).FirstOrDefault(k => !known.Contains(k));
        if (unknown != null)
        {
            var message = $"Invalid task YAML: Additional properties are not allowed ('{unknown}' was unexpected)";
            await WriteJson(context, 400, new JsonObject
            {
                ["detail"] = new JsonObject { ["type"] = "InvalidSkyPilotConfigError", ["message"] = message, ["args"] = new JsonArray(message), ["attributes"] = new JsonObject(), ["stacktrace"] = "Traceback (most recent call last):\n" },
            });
            return;
        }

        await WriteJson(context, 200, null);
    }
}
