using System;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;

namespace SkyPilot.Core.Aws
{
    /// <summary>What a failed AWS call means for the user, and what fixes it (SkyPilot's messages, made specific).</summary>
    internal static class AwsCheckOutcomes
    {
        public static (CheckStatus Status, string Reason, string Hint) ForIdentityFailure(Exception failure, AwsLocalState state)
        {
            if (failure is AwsCredentialException credential)
            {
                return (credential.Status, Redactor.Redact(credential.Message), credential.Hint);
            }

            return ForCallFailure(failure, state, "STS");
        }

        public static (CheckStatus Status, string Reason, string Hint) ForCallFailure(Exception failure, AwsLocalState state, string service)
        {
            var profile = state.Profile == "default" ? string.Empty : " --profile " + state.Profile;
            var root = state.Credential.Root;
            if (failure is ServiceUnreachableException unreachable)
            {
                return (CheckStatus.Unreachable, service + " could not be reached: " + Redactor.Redact(unreachable.Message), "Check the network, AWS_ENDPOINT_URL and the region (" + state.Region + "), then retry.");
            }

            var e = (AwsApiException)failure;
            if (e.IsExpired)
            {
                var renew = root.Kind == AwsCredentialKind.Sso ? "run: aws sso login --profile " + root.Profile : "Get new credentials (a session token has a lifetime), e.g. aws configure" + profile;
                return (CheckStatus.CredentialsExpired, "AWS access token is expired (" + e.Code + ")", renew);
            }

            if (e.IsInvalidKey)
            {
                return (CheckStatus.InvalidCredentials, "AWS rejected the access key from " + (root.Location ?? state.Credential.TypeName) + " (" + e.Code + ")", "Check the key is active and the secret matches: aws configure" + profile);
            }

            if (e.IsAccessDenied)
            {
                return (CheckStatus.MissingPermissions, "the identity may not call " + e.Operation + " (" + e.Code + ")", "Grant " + e.Operation + " to the identity: " + AwsPermissions.PolicyDocs);
            }

            return (CheckStatus.Unreachable, "Failed to access AWS services with credentials: " + Redactor.Redact(e.Message), "Retry; run with -Debug to see the calls that were made.");
        }
    }
}
