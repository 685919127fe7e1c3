using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace SkyPilot.TestKit;

/// <summary>
/// A loopback Kubernetes API server over TLS with its own CA: bearer tokens and client certificates (CN = user,
/// O = groups) authenticate; a per-(user, namespace) grant table answers pod lists (403 Status when denied),
/// and SelfSubjectAccessReview; SelfSubjectReview says who the caller is; /version and the
/// legacy discovery documents (/api, /api/v1, /apis, /apis/GROUP/VERSION) serve kubectl. Unknown credentials get the
/// API server's 401 Status. Shapes as in shared reference kubernetes.md.
/// </summary>
public sealed class FakeKubernetesServer : IAsyncDisposable
{
    private LoopbackHost _host = null!;
    private readonly TestCertificateAuthority _ca;
    private readonly ConcurrentDictionary<string, (string User, string[] Groups)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string User, string Namespace), HashSet<string>> _grants = new();

    private FakeKubernetesServer(TestCertificateAuthority ca)
    {
        _ca = ca;
    }

    /// <summary>Every access a SkyPilot launch needs (the check's list), for granting a full role.</summary>
    public static readonly string[] SkyPilotRole =
    [
        "create pods", "get pods", "list pods", "watch pods", "patch pods", "delete pods", "get pods/status", "create pods/exec",
        "create pods/portforward", "create services", "get services", "list services", "patch services", "delete services",
    ];

    public string Server { get; private set; } = string.Empty;

    public TestCertificateAuthority Authority => _ca;

    public string CaPem => _ca.CertificatePem;

    public ConcurrentQueue<(string Method, string Path, string? User)> Requests { get; } = new();

    public int CountRequests(string pathFragment) => Requests.Count(r => r.Path.Contains(pathFragment, StringComparison.Ordinal));

    /// <param name="ca">The authority to serve under; a new one when null (a different cluster).</param>
    public static async Task<FakeKubernetesServer> StartAsync(TestCertificateAuthority? ca = null)
    {
        ca ??= new TestCertificateAuthority();
        var serverCertificate = ca.IssueServerCertificate();
        var server = new FakeKubernetesServer(ca);
        server._host = await LoopbackHost.StartAsync(server.HandleAsync, https =>
        {
            https.ServerCertificate = serverCertificate;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.AllowAnyClientCertificate();
        });
        server.Server = server._host.BaseUrl;
        return server;
    }

    /// <summary>A new bearer token for <paramref name="user"/>.</summary>
    public string IssueToken(string user, params string[] groups)
    {
        var token = "k8s-test-" + Guid.NewGuid().ToString("N");
        _tokens[token] = (user, groups);
        return token;
    }

    public void RevokeToken(string token) => _tokens.TryRemove(token, out _);

    /// <summary>Grants accesses such as <c>list pods</c> or <c>create pods/exec</c> (or <c>*</c>) in a namespace.</summary>
    public void Grant(string user, string ns, params string[] accesses)
    {
        var set = _grants.GetOrAdd((user, ns), _ => new HashSet<string>(StringComparer.Ordinal));
        lock (set)
        {
            set.UnionWith(accesses);
        }
    }


    private bool Allowed(string user, string ns, string verb, string resource)
    {
        if (!_grants.TryGetValue((user, ns), out var set))
        {
            return false;
        }

        lock (set)
        {
            return set.Contains("*") || set.Contains(verb + " " + resource);
        }
    }

    private (string User, string[] Groups)? Authenticate(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return _tokens.TryGetValue(header["Bearer ".Length..].Trim(), out var known) ? known : null;
        }

        var certificate = context.Connection.ClientCertificate;
        if (certificate != null && _ca.Issued(certificate))
        {
            var groups = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
                .Where(n => n.GetSingleElementType().Value == "2.5.4.10").Select(n => n.GetSingleElementValue() ?? string.Empty).ToArray();
            return (certificate.GetNameInfo(X509NameType.SimpleName, false), groups);
        }

        return null;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        if (path.TrimEnd('/') == "/version")
        {
            Requests.Enqueue((method, path, null));
            await Json(context, 200, new JsonObject { ["major"] = "1", ["minor"] = "30", ["gitVersion"] = "v1.30.0", ["platform"] = "linux/amd64" });
            return;
        }

        var caller = Authenticate(context);
        Requests.Enqueue((method, path, caller?.User));
        if (caller is null)
        {
            await Status(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        var (user, groups) = caller.Value;
        var segments = path.Trim('/').Split('/');
        switch (method, path.TrimEnd('/'))
        {
            case ("GET", "/api"):
                await Json(context, 200, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = context.Request.Host.Value }) });
                return;
            case ("GET", "/api/v1"):
                await Json(context, 200, ResourceList("v1", ("pods", "Pod", true), ("pods/exec", "PodExecOptions", true), ("pods/portforward", "PodPortForwardOptions", true), ("pods/status", "Pod", true), ("services", "Service", true), ("namespaces", "Namespace", false)));
                return;
            case ("GET", "/apis"):
                await Json(context, 200, new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = new JsonArray(Group("authorization.k8s.io"), Group("authentication.k8s.io")) });
                return;
            case ("GET", "/apis/authorization.k8s.io/v1"):
                await Json(context, 200, ResourceList("authorization.k8s.io/v1", ("selfsubjectaccessreviews", "SelfSubjectAccessReview", false)));
                return;
            case ("GET", "/apis/authentication.k8s.io/v1"):
                await Json(context, 200, ResourceList("authentication.k8s.io/v1", ("selfsubjectreviews", "SelfSubjectReview", false)));
                return;
            case ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"):
                await AccessReviewAsync(context, user);
                return;
            case ("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews"):
                await Json(context, 201, new JsonObject
                {
                    ["kind"] = "SelfSubjectReview",
                    ["apiVersion"] = "authentication.k8s.io/v1",
                    ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
                    ["status"] = new JsonObject { ["userInfo"] = new JsonObject { ["username"] = user, ["uid"] = "uid-" + user, ["groups"] = new JsonArray(groups.Append("system:authenticated").Select(g => (JsonNode)g!).ToArray()) } },
                });
                return;
        }

        if (method == "GET" && segments.Length == 5 && segments[0] == "api" && segments[1] == "v1" && segments[2] == "namespaces" && segments[4] == "pods")
        {
            var ns = segments[3];
            if (!Allowed(user, ns, "list", "pods"))
            {
                await Status(context, 403, "Forbidden", "pods is forbidden: User \"" + user + "\" cannot list resource \"pods\" in API group \"\" in the namespace \"" + ns + "\"");
                return;
            }

            await Json(context, 200, new JsonObject { ["kind"] = "PodList", ["apiVersion"] = "v1", ["metadata"] = new JsonObject { ["resourceVersion"] = "1" }, ["items"] = new JsonArray() });
            return;
        }

        await Status(context, 404, "NotFound", "the server could not find the requested resource");
    }

    private async Task AccessReviewAsync(HttpContext context, string user)
    {
        var review = JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync())!.AsObject();
        var attributes = review["spec"]?["resourceAttributes"]?.AsObject();
        var ns = attributes?["namespace"]?.GetValue<string>() ?? string.Empty;
        var verb = attributes?["verb"]?.GetValue<string>() ?? string.Empty;
        var resource = attributes?["resource"]?.GetValue<string>() ?? string.Empty;
        var subresource = attributes?["subresource"]?.GetValue<string>();
        var allowed = Allowed(user, ns, verb, string.IsNullOrEmpty(subresource) ? resource : resource + "/" + subresource);
        var status = new JsonObject { ["allowed"] = allowed };
        if (!allowed)
        {
            status["reason"] = "no RBAC policy matched";
        }

        review["status"] = status;
        review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        await Json(context, 201, review);
    }

    private static JsonObject ResourceList(string groupVersion, params (string Name, string Kind, bool Namespaced)[] resources) => new()
    {
        ["kind"] = "APIResourceList",
        ["apiVersion"] = "v1",
        ["groupVersion"] = groupVersion,
        ["resources"] = new JsonArray(resources.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = r.Name,
            ["singularName"] = r.Name.Contains('/') ? string.Empty : r.Kind.ToLowerInvariant(),
            ["namespaced"] = r.Namespaced,
            ["kind"] = r.Kind,
            ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "watch"),
        }).ToArray()),
    };

    private static JsonObject Group(string name) => new()
    {
        ["name"] = name,
        ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = name + "/v1", ["version"] = "v1" }),
        ["preferredVersion"] = new JsonObject { ["groupVersion"] = name + "/v1", ["version"] = "v1" },
    };

    private static Task Status(HttpContext context, int code, string reason, string message) => Json(context, code, new JsonObject
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    });

    private static async Task Json(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
    }
}
