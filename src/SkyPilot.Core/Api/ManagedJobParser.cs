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
            return items?.OfType<JObject>().Select(j => Parse(j, endpoint)).ToList() ?? new List<ManagedJob>();
        }

        public static ManagedJob Parse(JObject job, string endpoint)
        {
            var status = (string?)job["status"] ?? ManagedJobStatus.Pending;
            var dot = status.LastIndexOf('.');
            return new ManagedJob
            {
                JobId = (long?)job["job_id"] ?? 0,
                Name = (string?)job["job_name"] ?? (string?)job["task_name"],
                TaskName = (string?)job["task_name"],
                Status = dot >= 0 ? status.Substring(dot + 1) : status, // 'ManagedJobStatus.RUNNING' on some servers
                FailureReason = (string?)job["failure_reason"],
                Infra = (string?)job["infra"],
                Cloud = (string?)job["cloud"],
                Region = (string?)job["region"],
                Resources = job["resources"]?.Type == JTokenType.String ? (string?)job["resources"] : job["resources"]?.ToString(Newtonsoft.Json.Formatting.None),
                RecoveryCount = (int?)job["recovery_count"] ?? 0,
                User = (string?)job["user_name"],
                Workspace = (string?)job["workspace"],
                SubmittedAt = Epoch(job["submitted_at"]),
                StartedAt = Epoch(job["start_at"]),
                EndedAt = Epoch(job["end_at"]),
                Duration = Seconds(job["job_duration"]) is double d ? TimeSpan.FromSeconds(d) : (TimeSpan?)null,
                Endpoint = endpoint,
            };
        }

        /// <summary>The job id from a launch's return value: a number, <c>[job_id, handle]</c>, or <c>{"job_id": n}</c>.</summary>
        public static long? LaunchedJobId(JToken? value)
        {
            switch (value)
            {
                case JValue number when number.Type == JTokenType.Integer:
                    return (long)number;
                case JArray array when array.Count > 0 && array[0].Type == JTokenType.Integer:
                    return (long)array[0];
                case JObject obj when obj["job_id"]?.Type == JTokenType.Integer:
                    return (long)obj["job_id"]!;
                default:
                    return null;
            }
        }

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
