using System;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Grpc;
using SkyPilot.Core.Http;
using SkyPilot.Core.Identity;

namespace SkyPilot.Core.Nebius
{
    /// <summary>What a failed Nebius call means for the user, and what fixes it.</summary>
    internal static class NebiusCheckOutcomes
    {
        public static (CheckStatus Status, string Reason, string Hint) ForFailure(Exception failure, CloudIdentity identity, DateTimeOffset now)
        {
            if (!(failure is GrpcCallException grpc))
            {
                return (CheckStatus.Unreachable, "the Nebius API call failed: " + Redactor.Redact(failure.Message), "Check the network connection, then retry.");
            }

            var detail = Redactor.Redact(grpc.Detail);
            var tenant = identity.Project ?? "(none)";
            switch (grpc.Status)
            {
                case GrpcStatusCode.Unauthenticated:
                    var knownExpired = identity.CredentialExpiresAt.HasValue && identity.CredentialExpiresAt.Value <= now;
                    return (
                        knownExpired ? CheckStatus.CredentialsExpired : CheckStatus.AuthenticationFailed,
                        knownExpired
                            ? "the Nebius token has expired (the API answered UNAUTHENTICATED)"
                            : "the Nebius token has expired or is invalid (the API answered UNAUTHENTICATED" + Suffix(detail) + ")",
                        "Get a new token: " + NebiusLocalState.TokenHint + ", or Update-SkyNebiusCredential -FromCli");
                case GrpcStatusCode.PermissionDenied:
                    return (CheckStatus.MissingPermissions, "the token is valid but has no access to tenant " + tenant + " (PERMISSION_DENIED" + Suffix(detail) + ")", "Use a token of an account that belongs to " + tenant + ", or fix the tenant: " + NebiusLocalState.TenantHint);
                case GrpcStatusCode.NotFound:
                case GrpcStatusCode.InvalidArgument:
                    return (CheckStatus.ProjectNotFound, "tenant " + tenant + " was not found: wrong tenant id (" + GrpcCallException.StatusName(grpc.Status) + Suffix(detail) + ")", NebiusLocalState.TenantHint);
                case GrpcStatusCode.Unavailable:
                case GrpcStatusCode.DeadlineExceeded:
                    return (CheckStatus.Unreachable, "the Nebius API could not be reached (" + GrpcCallException.StatusName(grpc.Status) + Suffix(detail) + ")", "Check the network connection and NEBIUS_ENDPOINT / NEBIUS_DOMAIN.txt, then retry.");
                default:
                    return (CheckStatus.Unreachable, "the Nebius API failed (" + GrpcCallException.StatusName(grpc.Status) + Suffix(detail) + ")", "Retry; if it persists, check Nebius' status page.");
            }
        }

        private static string Suffix(string detail) => detail.Length == 0 ? string.Empty : ": " + detail;
    }
}
