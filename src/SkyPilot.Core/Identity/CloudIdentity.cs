using System;
using System.Collections.Generic;

namespace SkyPilot.Core.Identity
{
    /// <summary>
    /// The identity a cloud's API calls would use right now, resolved from local files and environment only.
    /// Every cached fact is tied to <see cref="Fingerprint"/>.
    /// </summary>
    public sealed record CloudIdentity
    {
        /// <summary>Canonical cloud name, e.g. <c>gcp</c>.</summary>
        public string Cloud { get; init; } = string.Empty;

        /// <summary>The cloud as <c>sky check</c> prints it (<c>GCP</c>, <c>Nebius</c>).</summary>
        public string CloudDisplayName => KnownClouds.DisplayName(Cloud);

        /// <summary>The account the credential acts as (service-account email, user email), when known locally.</summary>
        public string? Account { get; init; }

        /// <summary>The project (GCP) or tenant (Nebius) the checks run against.</summary>
        public string? Project { get; init; }

        /// <summary>Where the project came from, e.g. <c>GOOGLE_CLOUD_PROJECT</c> or <c>gcloud configuration 'dev'</c>.</summary>
        public string? ProjectSource { get; init; }

        /// <summary>Where the credential comes from: a file path, or <c>metadata server</c>.</summary>
        public string? CredentialSource { get; init; }

        /// <summary>How the credential file was found, e.g. <c>GOOGLE_APPLICATION_CREDENTIALS</c>.</summary>
        public string? CredentialSourceKind { get; init; }

        /// <summary>Kind of credential, e.g. <c>service_account</c>, <c>authorized_user</c>, <c>metadata_server</c>, <c>none</c>.</summary>
        public string CredentialType { get; init; } = "none";

        /// <summary>The active gcloud configuration name, when gcloud is configured.</summary>
        public string? Configuration { get; init; }

        /// <summary>gcloud's own active account (<c>[core] account</c>), reported beside the credential's account.</summary>
        public string? GcloudAccount { get; init; }

        /// <summary>The API server the calls go to, when it is part of the identity (a Kubernetes context's server).</summary>
        public string? Endpoint { get; init; }

        /// <summary>True for credentials that expire and need a human to renew them (user logins, short-lived tokens).</summary>
        public bool CanExpire { get; init; }

        /// <summary>When the credential was obtained, when that is known (e.g. a token file's write time).</summary>
        public DateTimeOffset? CredentialObtainedAt { get; init; }

        /// <summary>When the credential is expected to stop working, when that is known (e.g. a token file's age plus its lifetime).</summary>
        public DateTimeOffset? CredentialExpiresAt { get; init; }

        /// <summary>A short, non-secret digest of the credential's content: it changes when the credential changes.</summary>
        public string? CredentialDigest { get; init; }

        /// <summary>Hash of every local input that defines this identity. Changes whenever any of them changes.</summary>
        public string Fingerprint { get; init; } = string.Empty;

        /// <summary>Set when no usable identity could be resolved; the checks report it instead of calling the API.</summary>
        public Checks.CheckStatus? ProblemStatus { get; init; }

        /// <summary>One line saying what is wrong with the local configuration.</summary>
        public string? Problem { get; init; }

        /// <summary>The command that fixes <see cref="Problem"/>.</summary>
        public string? Hint { get; init; }

        /// <summary>Things worth telling the user that do not stop the checks.</summary>
        public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

        /// <summary>When the identity was resolved.</summary>
        public DateTimeOffset ResolvedAt { get; init; }

        public bool IsUsable => ProblemStatus is null;

        /// <summary>SkyPilot's identity line: <c>account [project_id=project]</c>.</summary>
        public string DisplayName
        {
            get
            {
                var account = Account ?? (CredentialType == "none" ? "(no credentials)" : "(" + CredentialType + ")");
                if (Cloud == KnownClouds.Kubernetes)
                {
                    return Configuration is null ? account : account + " [context=" + Configuration + (Project is null ? string.Empty : ", namespace=" + Project) + "]";
                }

                return Project is null ? account : account + " [project_id=" + Project + "]";
            }
        }

        public override string ToString() => DisplayName;
    }
}
