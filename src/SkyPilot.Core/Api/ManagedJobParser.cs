using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json.Linq;

namespace SkyPilot.Core.Api
{
    /// <summary>Reads managed-job records and launch results, tolerating the field differences between server versions.</summary>
    internal static class ManagedJobParser
    {
        public static IReadOnlyList<ManagedJob> ParseQueue(JToken? value, string endpoint)
        {
            var items = value is JObject page ? page["jobs"] as JArray : value as JArray;
            var jobs = items?.OfType<JObject>().Select(j => Parse(j, endpoint)).ToList() ?? new List<ManagedJob>();

            // A pipeline has one record per task: each record says how many tasks its job has (at least as many as listed).
            var tasks = jobs.GroupBy(j => j.JobId).ToDictionary(g => g.Key, g => Math.Max(g.Count(), g.Max(j => j.TaskId) + 1));
            return jobs.Select(j => j with { TaskCount = Math.Max(j.TaskCount, tasks[j.JobId]) }).ToList();
        }

        public static ManagedJob Parse(JObject job, string endpoint)
        {
            var status = (string?)job["status"] ?? ManagedJobStatus.Pending;
            var dot = status.LastIndexOf('.');
            return new ManagedJob
            {
                JobId = Long(job["job_id"]) ?? Long(job["_job_id"]) ?? 0,
                TaskId = (int?)Long(job["task_id"]) ?? 0,
                Name = Text(job["job_name"]) ?? Text(job["task_name"]),
                TaskName = Text(job["task_name"]),
                Status = dot >= 0 ? status.Substring(dot + 1) : status, // 'ManagedJobStatus.RUNNING' on some servers
                FailureReason = Text(job["failure_reason"]),
                Infra = Text(job["infra"]),
                Cloud = Text(job["cloud"]),
                Region = Text(job["region"]),
                Resources = job["resources"]?.Type == JTokenType.String ? (string?)job["resources"] : job["resources"]?.ToString(Newtonsoft.Json.Formatting.None),
                RecoveryCount = (int?)job["recovery_count"] ?? 0,
                User = Text(job["user_name"]),
                Workspace = Text(job["workspace"]),
                SubmittedAt = Epoch(job["submitted_at"]),
                StartedAt = Epoch(job["start_at"]),
                EndedAt = Epoch(job["end_at"]),
                Duration = Seconds(job["job_duration"]) is double d ? TimeSpan.FromSeconds(d) : (TimeSpan?)null,
                Endpoint = endpoint,
            };
        }

        /// <summary>
        /// The job id from a launch's return value: <c>{"job_id": [2], "handle": ...}</c> (0.13: a list, one id per job),
        /// <c>{"job_id": 2}</c>, <c>[job_id, handle]</c> or a bare number (older servers).
        /// </summary>
        public static long? LaunchedJobId(JToken? value)
        {
            switch (value)
            {
                case JValue number when number.Type == JTokenType.Integer:
                    return (long)number;
                case JArray array when array.Count > 0:
                    return LaunchedJobId(array[0]);
                case JObject obj:
                    return LaunchedJobId(obj["job_id"]);
                default:
                    return null;
            }
        }

        /// <summary>Text we show: ANSI codes stripped; the server's <c>-</c> for "unknown" is no value.</summary>
        private static string? Text(JToken? token)
        {
            var text = AnsiText.Strip(token is JValue v && v.Value != null ? Convert.ToString(v.Value, CultureInfo.InvariantCulture) : null);
            return string.IsNullOrEmpty(text) || text == "-" ? null : text;
        }

        private static long? Long(JToken? token) => token is JValue v && v.Type == JTokenType.Integer ? (long)v : Seconds(token) is double d && d == Math.Floor(d) ? (long)d : (long?)null;

        private static DateTimeOffset? Epoch(JToken? token) =>
            Seconds(token) is double seconds && seconds > 0 ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : (DateTimeOffset?)null;

        /// <summary>A number of seconds, whether the server sent a number or a numeric string; null otherwise.</summary>
        internal static double? Seconds(JToken? token)
        {
            if (!(token is JValue value) || value.Value is null)
            {
                return null;
            }

            return double.TryParse(Convert.ToString(value.Value, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : (double?)null;
        }
    }
}
