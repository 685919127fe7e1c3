using System;
using System.Collections.Generic;
using System.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Gcp
{
    /// <summary>Turns what the GCP APIs answered into reasons and hints a user can act on.</summary>
    internal static class GcpCheckOutcomes
    {
        public const string PermissionsDoc = "https://docs.skypilot.co/en/latest/cloud-setup/cloud-permissions/gcp.html";
        private const string RetryHint = "Check the network connection and proxy settings, then retry; Test-SkyCloud -Refresh forces a new check.";

        /// <summary>The status, reason and hint for a call that failed, as a whole-cloud outcome.</summary>
        public static (CheckStatus Status, string Reason, string Hint) ForFailure(Exception failure, GoogleApi api, CloudIdentity identity)
        {
            switch (failure)
            {
                case GoogleApiException api403 when api403.Error.IsServiceDisabled:
                    return ApiDisabled(api403.Error.DisabledService ?? api.ServiceName, identity.Project!);
                case GoogleApiException unauthorized when unauthorized.Error.StatusCode == 401:
                    return (
                        CheckStatus.AuthenticationFailed,
                        api.Title + " rejected the access token (HTTP 401: " + Redactor.Redact(unauthorized.Error.Message) + ")",
                        identity.CanExpire
                            ? "Your login may have expired: run 'gcloud auth application-default login'."
                            : "The credential may be revoked or its key deleted: create a new key, or run 'gcloud auth application-default login'.");
                case GoogleApiException forbidden when forbidden.Error.StatusCode == 403:
                    return (
                        CheckStatus.ProjectNotFound,
                        api.Title + " denied access to project " + identity.Project + " (HTTP 403: " + Redactor.Redact(forbidden.Error.Message) + "): it may not exist, or " + (identity.Account ?? "this identity") + " has no role in it",
                        "Check the project id with 'gcloud projects list', then 'gcloud config set project PROJECT_ID' or ask an owner for a role on it.");
                case GoogleApiException missing when missing.Error.StatusCode == 404 || missing.Error.StatusCode == 400:
                    return (
                        CheckStatus.ProjectNotFound,
                        "project " + identity.Project + " was not found (HTTP " + missing.Error.StatusCode + ": " + Redactor.Redact(missing.Error.Message) + ")",
                        "Check the project id with 'gcloud projects list', then 'gcloud config set project PROJECT_ID'.");
                case GoogleApiException other:
                    return (CheckStatus.Unreachable, api.Title + " failed: HTTP " + other.Error.StatusCode + " " + Redactor.Redact(other.Error.Message) + AfterAttempts(other), RetryHint);
                case ServiceUnreachableException unreachable:
                    return (CheckStatus.Unreachable, Redactor.Redact(unreachable.Message), RetryHint);
                case GoogleAuthException auth:
                    return (auth.Status, auth.Message, auth.Hint);
                default:
                    return (CheckStatus.Unreachable, api.Title + " failed: " + Redactor.Redact(failure.Message), RetryHint);
            }
        }

        public static (CheckStatus Status, string Reason, string Hint) ApiDisabled(string service, string project)
        {
            return (
                CheckStatus.ApiDisabled,
                ServiceTitle(service) + " (" + service + ") is disabled in project " + project,
                "gcloud services enable " + service + " --project " + project);
        }

        public static string MissingReason(IReadOnlyList<string> missing, int tested)
        {
            return "missing " + missing.Count + " of " + tested + " required permissions: " + string.Join(", ", missing);
        }

        public static string MissingHint(IReadOnlyList<string> missing, CloudIdentity identity)
        {
            var member = GcpMember.For(identity.Account);
            var roles = missing.Select(GcpPermissions.RoleFor).Distinct().OrderBy(r => r, StringComparer.Ordinal);
            var commands = roles.Select(role => "gcloud projects add-iam-policy-binding " + identity.Project + " --member=" + member + " --role=" + role);
            return string.Join("; ", commands) + " (see " + PermissionsDoc + ")";
        }

        private static string ServiceTitle(string service)
        {
            if (service == GoogleApi.Compute.ServiceName)
            {
                return GoogleApi.Compute.Title;
            }

            if (service == GoogleApi.ResourceManager.ServiceName)
            {
                return GoogleApi.ResourceManager.Title;
            }

            return service == GoogleApi.Storage.ServiceName ? GoogleApi.Storage.Title : "API";
        }

        private static string AfterAttempts(GoogleApiException e)
        {
            return e.Error.StatusCode == 429 || e.Error.StatusCode >= 500 ? " (retries exhausted)" : string.Empty;
        }
    }
}
