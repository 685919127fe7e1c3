using System;
using System.Linq;
using System.Text.RegularExpressions;
using SkyPilot.Core.Api;
using SkyPilot.Core.Storage;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// The job bucket when <c>jobs.bucket</c> is not set, in the store SkyPilot would pick (<c>Task._get_preferred_store</c>):
    /// the store of the cloud named by the first resources of the (first) task with local files, when that cloud has one
    /// this module stages to (AWS → <c>s3://</c>, GCP → <c>gs://</c>, Nebius → <c>nebius://</c>); otherwise (no cloud named,
    /// Kubernetes, another cloud) the first of GCP, AWS and Nebius the user has credentials for, and GCP when none.
    /// Local only: credentials are looked at, not checked; the precheck checks the bucket before any upload.
    /// </summary>
    public static class DefaultJobBucket
    {
        private static readonly string[] FallbackOrder = { KnownClouds.Gcp, KnownClouds.Aws, KnownClouds.Nebius };

        /// <summary>The default bucket URI for <paramref name="task"/>; <paramref name="hasCredentials"/> says whether a cloud's identity is usable.</summary>
        public static string For(TaskFile task, SkyEnvironment environment, Func<string, bool> hasCredentials)
        {
            var staging = task.Tasks.FirstOrDefault(HasLocalFiles) ?? task.Tasks.FirstOrDefault();
            var named = staging?.Resources.FirstOrDefault()?.Cloud;
            var cloud = named != null && SchemeOf(named) != null ? named : FallbackOrder.FirstOrDefault(hasCredentials) ?? KnownClouds.Gcp;
            return SchemeOf(cloud) + "://" + Name(environment);
        }

        /// <summary>Whether the task names local files that are staged (a workdir, a local file mount or storage source).</summary>
        public static bool HasLocalFiles(SkyTask task) =>
            task.Workdir != null || task.FileMounts.Any(m => m.Kind == FileMountKind.LocalPath || (m.Kind == FileMountKind.StorageObject && m.Source != null && !TaskParser.IsCloudUri(m.Source)));

        /// <summary>The bucket scheme of a cloud's object store, or null when this module does not stage to it.</summary>
        public static string? SchemeOf(string cloud) => cloud switch
        {
            KnownClouds.Gcp => StagingPlan.GcsScheme,
            KnownClouds.Aws => StagingPlan.S3Scheme,
            KnownClouds.Nebius => StagingPlan.NebiusScheme,
            _ => null,
        };

        /// <summary>
        /// Named like SkyPilot's (<c>skypilot-filemounts-&lt;user&gt;-&lt;user hash&gt;</c>) and stable across machines of the
        /// same user, so CI runners do not create a bucket per run.
        /// </summary>
        private static string Name(SkyEnvironment environment)
        {
            var user = Regex.Replace(SkyUser.Name(environment).ToLowerInvariant(), "[^a-z0-9-]", "-");
            return "skypilot-filemounts-" + user + "-" + SkyUser.Id(environment);
        }
    }
}
