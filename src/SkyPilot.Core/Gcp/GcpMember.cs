using System;

namespace SkyPilot.Core.Gcp
{
    /// <summary>IAM policy members for accounts, as <c>gcloud ... add-iam-policy-binding --member=</c> takes them.</summary>
    internal static class GcpMember
    {
        /// <summary><c>serviceAccount:EMAIL</c> for service accounts, <c>user:EMAIL</c> otherwise, <c>MEMBER</c> when the account is unknown.</summary>
        public static string For(string? account)
        {
            if (string.IsNullOrEmpty(account))
            {
                return "MEMBER";
            }

            return account!.EndsWith("gserviceaccount.com", StringComparison.OrdinalIgnoreCase)
                ? "serviceAccount:" + account
                : "user:" + account;
        }
    }
}
