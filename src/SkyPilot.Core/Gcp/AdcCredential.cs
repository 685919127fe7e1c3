using System;
using System.IO;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Gcp
{
    /// <summary>
    /// The Application Default Credential the module's GCP calls use, located the way Google's client libraries do:
    /// <c>GOOGLE_APPLICATION_CREDENTIALS</c>, then the well-known file in gcloud's config directory, then the metadata server.
    /// </summary>
    internal sealed class AdcCredential
    {
        public const string ServiceAccount = "service_account";
        public const string AuthorizedUser = "authorized_user";
        public const string MetadataServer = "metadata_server";
        public const string None = "none";

        /// <summary>The key file path, or null for the metadata server and for no credential.</summary>
        public string? Path { get; private set; }

        /// <summary>How <see cref="Path"/> was found.</summary>
        public string? SourceKind { get; private set; }

        public string Type { get; private set; } = None;

        /// <summary>Raw file content; kept in memory only for the call that needs it, never logged.</summary>
        public byte[]? Content { get; private set; }

        public JObject? Json { get; private set; }

        public string? ClientEmail { get; private set; }

        public string? ProjectId { get; private set; }

        /// <summary>
        /// True for a usable credential file that names no account (user logins, federated credentials without an
        /// impersonation URL): its account is learned from tokeninfo once and kept in <see cref="AdcAccountStore"/>.
        /// </summary>
        public bool AccountIsLearned => Content != null && ClientEmail is null && Type != ServiceAccount && ProblemStatus is null;

        public CheckStatus? ProblemStatus { get; private set; }

        public string? Problem { get; private set; }

        public string? Hint { get; private set; }

        public static AdcCredential Locate(SkyEnvironment env, string gcloudConfigDirectory)
        {
            var explicitPath = env.Get("GOOGLE_APPLICATION_CREDENTIALS");
            if (explicitPath != null)
            {
                return FromFile(env.ExpandHome(explicitPath), "GOOGLE_APPLICATION_CREDENTIALS");
            }

            var wellKnown = System.IO.Path.Combine(gcloudConfigDirectory, "application_default_credentials.json");
            if (File.Exists(wellKnown))
            {
                return FromFile(wellKnown, "gcloud application-default login");
            }

            if (env.Get("GCE_METADATA_HOST") != null || RunsOnGoogleCompute())
            {
                return new AdcCredential { Type = MetadataServer, SourceKind = "metadata server" };
            }

            return new AdcCredential
            {
                ProblemStatus = CheckStatus.NoCredentials,
                Problem = "no Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS is not set and " + wellKnown + " does not exist",
                Hint = "Run 'gcloud init' and 'gcloud auth application-default login', or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file.",
            };
        }

        private static AdcCredential FromFile(string path, string sourceKind)
        {
            var credential = new AdcCredential { Path = path, SourceKind = sourceKind };
            try
            {
                credential.Content = SmallFile.TryRead(path) ?? throw new FileNotFoundException(path);
            }
            catch (FileTooLargeException e)
            {
                return credential.Fail(CheckStatus.InvalidCredentials, "credential file " + e.Message, "Point " + sourceKind + " at the key file itself: Google credential files are a few kilobytes.");
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return credential.Fail(
                    CheckStatus.NoCredentials,
                    sourceKind + " names " + path + ", which does not exist",
                    "Point GOOGLE_APPLICATION_CREDENTIALS at an existing key file, or remove it ('Remove-Item Env:GOOGLE_APPLICATION_CREDENTIALS') to use 'gcloud auth application-default login'.");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return credential.Fail(
                    CheckStatus.InvalidCredentials,
                    "cannot read credential file " + path + ": " + e.Message,
                    "Check that the file exists, is a file, and is readable by the current user.");
            }

            credential.Parse();
            return credential;
        }

        private void Parse()
        {
            try
            {
                Json = JObject.Parse(Encoding.UTF8.GetString(Content!));
            }
            catch (JsonException e)
            {
                // Only the position: parser messages can quote the file's content, which may be secret.
                var where = e is JsonReaderException reader ? " (line " + reader.LineNumber + ", position " + reader.LinePosition + ")" : string.Empty;
                Fail(CheckStatus.InvalidCredentials, "credential file " + Path + " is not valid JSON" + where, RecreateHint);
                return;
            }

            try
            {
                ParseFields();
            }
            catch (FieldShapeException e)
            {
                // Names the field and the kind of value, never the value: it may be (part of) the key.
                Fail(CheckStatus.InvalidCredentials, "credential file " + Path + ": field '" + e.Field + "' must be a string, not " + e.Found, RecreateHint);
            }
        }

        private void ParseFields()
        {
            Type = Text("type") ?? "unknown";
            ProjectId = Text("project_id");
            switch (Type)
            {
                case ServiceAccount:
                    ClientEmail = Text("client_email");
                    ValidateServiceAccount();
                    break;
                case AuthorizedUser:
                    if (Text("refresh_token") == null || Text("client_id") == null)
                    {
                        Fail(CheckStatus.InvalidCredentials, "credential file " + Path + " is an authorized_user credential without client_id or refresh_token", "Run 'gcloud auth application-default login' again.");
                    }

                    break;
                case "impersonated_service_account":
                    ClientEmail = EmailFromImpersonationUrl(Text("service_account_impersonation_url"));
                    break;
                case "external_account":
                case "external_account_authorized_user":
                    ClientEmail = EmailFromImpersonationUrl(Text("service_account_impersonation_url"));
                    break;
                default:
                    Fail(CheckStatus.InvalidCredentials, "credential file " + Path + " has unknown type '" + Redactor.Redact(Type) + "'", RecreateHint);
                    break;
            }
        }

        /// <summary>A top-level string field; null when absent or null.</summary>
        private string? Text(string field)
        {
            var token = Json![field];
            if (token is null || token.Type == JTokenType.Null)
            {
                return null;
            }

            if (token.Type != JTokenType.String)
            {
                throw new FieldShapeException(field, token.Type == JTokenType.Object ? "an object" : token.Type == JTokenType.Array ? "a list" : "a " + token.Type.ToString().ToLowerInvariant());
            }

            return (string?)token;
        }

        private sealed class FieldShapeException : Exception
        {
            public FieldShapeException(string field, string found)
            {
                Field = field;
                Found = found;
            }

            public string Field { get; }

            public string Found { get; }
        }

        private void ValidateServiceAccount()
        {
            var key = Text("private_key");
            if (string.IsNullOrEmpty(ClientEmail) || string.IsNullOrEmpty(key))
            {
                Fail(CheckStatus.InvalidCredentials, "service-account key " + Path + " lacks client_email or private_key", RecreateHint);
            }
            else if (key!.Contains("BEGIN RSA PRIVATE KEY"))
            {
                Fail(
                    CheckStatus.InvalidCredentials,
                    "service-account key " + Path + " holds a PKCS#1 private key; Google keys are PKCS#8 ('BEGIN PRIVATE KEY')",
                    "Create a new key with 'gcloud iam service-accounts keys create', or convert this one with 'openssl pkcs8 -topk8 -nocrypt'.");
            }
            else if (!key.Contains("BEGIN PRIVATE KEY"))
            {
                Fail(CheckStatus.InvalidCredentials, "service-account key " + Path + " has a private_key that is not a PEM PKCS#8 key", RecreateHint);
            }
            else if (Pkcs8Algorithm.Of(key) is string other)
            {
                Fail(CheckStatus.InvalidCredentials, "service-account key " + Path + ": field 'private_key' holds " + other + "; Google service-account keys are RSA keys", RecreateHint);
            }
        }

        private const string RecreateHint =
            "Download a new key with 'gcloud iam service-accounts keys create KEY.json --iam-account=SA_EMAIL', or run 'gcloud auth application-default login'.";

        private AdcCredential Fail(CheckStatus status, string problem, string hint)
        {
            ProblemStatus = status;
            Problem = problem;
            Hint = hint;
            return this;
        }

        private static string? EmailFromImpersonationUrl(string? url)
        {
            // .../serviceAccounts/NAME@PROJECT.iam.gserviceaccount.com:generateAccessToken
            if (url is null)
            {
                return null;
            }

            var start = url.LastIndexOf("/serviceAccounts/", StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }

            var email = url.Substring(start + "/serviceAccounts/".Length);
            var colon = email.IndexOf(':');
            return colon > 0 ? email.Substring(0, colon) : email;
        }

        private static bool RunsOnGoogleCompute()
        {
            // The same local test Google's auth libraries use: GCE sets the DMI product name.
            try
            {
                return File.Exists("/sys/class/dmi/id/product_name")
                    && File.ReadAllText("/sys/class/dmi/id/product_name").StartsWith("Google", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
