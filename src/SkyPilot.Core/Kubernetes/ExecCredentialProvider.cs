using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Kubernetes
{
    /// <summary>What an exec plugin returned: a bearer token, or a client certificate and key.</summary>
    internal sealed class ExecCredential
    {
        public string? Token { get; set; }

        public byte[]? ClientCertificate { get; set; }

        public byte[]? ClientKey { get; set; }

        public DateTimeOffset? ExpiresAt { get; set; }
    }

    /// <summary>An exec plugin could not produce a credential; says why and what fixes it.</summary>
    internal sealed class ExecPluginException : SkyException
    {
        public ExecPluginException(CheckStatus status, string message, string hint)
            : base(message)
        {
            Status = status;
            Hint = hint;
        }

        public CheckStatus Status { get; }

        public override string Hint { get; }

        public override string ErrorId => IdOf(Status);

        public override SkyErrorKind Kind => KindOf(Status);
    }

    /// <summary>
    /// Runs a kubeconfig's exec credential plugin by the <c>client.authentication.k8s.io</c> ExecCredential protocol:
    /// <c>KUBERNETES_EXEC_INFO</c> in, an ExecCredential of the same apiVersion out. A credential is reused in memory only
    /// until its <c>expirationTimestamp</c> and only for the same plugin configuration and plugin identity; one without
    /// an expiry is not reused.
    /// </summary>
    internal sealed class ExecCredentialProvider
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
        private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);
        private static readonly ConcurrentDictionary<string, ExecCredential> Reusable = new ConcurrentDictionary<string, ExecCredential>(StringComparer.Ordinal);

        private readonly Func<DateTimeOffset> _clock;
        private readonly ISkyLog _log;

        public ExecCredentialProvider(ISkyLog log, Func<DateTimeOffset> clock)
        {
            _log = log;
            _clock = clock;
        }

        public async Task<ExecCredential> GetAsync(SkyEnvironment env, KubeTarget target, CancellationToken cancellationToken)
        {
            var exec = target.Exec!;
            var key = target.CredentialDigest;
            if (Reusable.TryGetValue(key, out var known) && known.ExpiresAt.HasValue && known.ExpiresAt.Value - ExpiryMargin > _clock())
            {
                return known;
            }

            var pluginEnv = ExecPluginIdentity.PluginEnvironment(env, exec);
            var variables = pluginEnv.CopyVariables();
            if (!variables.ContainsKey(env.IsWindows ? "USERPROFILE" : "HOME"))
            {
                variables[env.IsWindows ? "USERPROFILE" : "HOME"] = env.HomeDirectory;
            }

            variables["KUBERNETES_EXEC_INFO"] = ExecInfo(exec, target);
            _log.Verbose("Kubernetes context " + target.Name + ": running exec credential plugin " + exec.DisplayCommand);
            ProcessRunner.Result result;
            try
            {
                result = await ProcessRunner.RunAsync(exec.Command, exec.Args, variables, Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Win32Exception)
            {
                throw new ExecPluginException(
                    CheckStatus.NoCredentials,
                    "the exec credential plugin '" + exec.Program + "' of context " + target.Name + " was not found",
                    exec.InstallHint?.Trim() ?? "Install " + exec.Program + " or fix the command in the kubeconfig user '" + target.UserName + "'.");
            }
            catch (TimeoutException)
            {
                throw new ExecPluginException(CheckStatus.AuthenticationFailed, "the exec credential plugin '" + exec.DisplayCommand + "' did not finish within " + Timeout.TotalSeconds + " s", "Run it by hand to see what it waits for: " + exec.DisplayCommand);
            }

            if (result.ExitCode != 0)
            {
                throw new ExecPluginException(
                    CheckStatus.AuthenticationFailed,
                    "the exec credential plugin '" + exec.DisplayCommand + "' failed (exit " + result.ExitCode + ")" + LastLine(result.Stderr),
                    LoginHint(exec, pluginEnv));
            }

            var credential = Parse(exec, result.Stdout);
            if (credential.ExpiresAt.HasValue)
            {
                Reusable[key] = credential;
            }

            return credential;
        }

        private static string ExecInfo(KubeExecConfig exec, KubeTarget target)
        {
            var spec = new JObject { ["interactive"] = false };
            if (exec.ProvideClusterInfo)
            {
                var cluster = new JObject { ["server"] = target.Server, ["insecure-skip-tls-verify"] = target.InsecureSkipTlsVerify };
                if (target.CaData != null)
                {
                    cluster["certificate-authority-data"] = Convert.ToBase64String(target.CaData);
                }

                if (target.TlsServerName != null)
                {
                    cluster["tls-server-name"] = target.TlsServerName;
                }

                spec["cluster"] = cluster;
            }

            return new JObject { ["apiVersion"] = exec.ApiVersion, ["kind"] = "ExecCredential", ["spec"] = spec }.ToString(Formatting.None);
        }

        private static ExecCredential Parse(KubeExecConfig exec, string stdout)
        {
            JObject response;
            try
            {
                response = JObject.Parse(stdout);
            }
            catch (JsonException)
            {
                throw new ExecPluginException(CheckStatus.InvalidCredentials, "the exec credential plugin '" + exec.DisplayCommand + "' did not print an ExecCredential (its output is not JSON)", "Run it by hand and check its output: " + exec.DisplayCommand);
            }

            var apiVersion = response.Value<string>("apiVersion");
            if (apiVersion != exec.ApiVersion || response.Value<string>("kind") != "ExecCredential")
            {
                throw new ExecPluginException(CheckStatus.InvalidCredentials, "the exec credential plugin '" + exec.DisplayCommand + "' answered " + (apiVersion ?? "no apiVersion") + " " + (response.Value<string>("kind") ?? string.Empty) + ", not the " + exec.ApiVersion + " ExecCredential the kubeconfig asks for", "Set users[].user.exec.apiVersion to the version the plugin speaks.");
            }

            var status = response["status"] as JObject;
            var credential = new ExecCredential
            {
                Token = status?.Value<string>("token"),
                ClientCertificate = status?.Value<string>("clientCertificateData") is string cert ? Encoding.ASCII.GetBytes(cert) : null,
                ClientKey = status?.Value<string>("clientKeyData") is string key ? Encoding.ASCII.GetBytes(key) : null,
            };
            if (status?["expirationTimestamp"] is JToken expiry && expiry.Type != JTokenType.Null)
            {
                credential.ExpiresAt = expiry.Type == JTokenType.Date
                    ? new DateTimeOffset(expiry.Value<DateTime>().ToUniversalTime(), TimeSpan.Zero)
                    : DateTimeOffset.TryParse(expiry.Value<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
            }

            if (credential.Token is null && (credential.ClientCertificate is null || credential.ClientKey is null))
            {
                throw new ExecPluginException(CheckStatus.InvalidCredentials, "the exec credential plugin '" + exec.DisplayCommand + "' returned neither a token nor a client certificate and key", "Run it by hand and check its output: " + exec.DisplayCommand);
            }

            return credential;
        }

        private static string LoginHint(KubeExecConfig exec, SkyEnvironment pluginEnv)
        {
            if (ExecPluginIdentity.IsGke(exec))
            {
                return "Log in to gcloud again: gcloud auth login (the plugin uses gcloud's active account).";
            }

            if (ExecPluginIdentity.IsAws(exec))
            {
                var profile = pluginEnv.Get("AWS_PROFILE") ?? pluginEnv.Get("AWS_DEFAULT_PROFILE");
                return "Refresh the AWS credentials the plugin uses" + (profile is null ? string.Empty : " (profile " + profile + ")") + ", e.g. aws sso login" + (profile is null ? string.Empty : " --profile " + profile) + ".";
            }

            return "Run the plugin by hand to see why it fails: " + exec.DisplayCommand;
        }

        private static string LastLine(string stderr)
        {
            var line = stderr.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
            if (line is null)
            {
                return string.Empty;
            }

            line = Redactor.Redact(line);
            return ": " + (line.Length > 300 ? line.Substring(0, 300) + "…" : line);
        }
    }
}
