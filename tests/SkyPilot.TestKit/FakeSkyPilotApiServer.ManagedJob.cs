using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SkyPilot.TestKit;

/// <summary>One managed job: its status script, timestamps and the record the queue routes return.</summary>
public sealed partial class FakeSkyPilotApiServer
{
    private sealed class Job
    {
        private List<FakeSkyJobStep> _script;
        private int _cursor;
        private double? _startAt;
        private double? _endAt;
        private double? _lastRecoveredAt;
        private int _recoveries;
        private string? _failureReason;

        public Job(int id, string taskYaml, string? name, string requestId, IReadOnlyList<FakeSkyJobStep> script, double submittedAt)
        {
            Id = id;
            TaskYaml = taskYaml;
            RequestId = requestId;
            SubmittedAt = submittedAt;
            Name = name ?? Match(taskYaml, @"^name:\s*['""]?([^'""\s#]+)") ?? "sky-managed-job-" + id;
            (Cloud, Region) = Placement(taskYaml);
            var nodes = Match(taskYaml, @"^\s*num_nodes:\s*(\d+)") ?? "1";
            var accelerators = Match(taskYaml, @"^\s+accelerators:\s*['""]?([^'""\s#{]+)");
            Resources = $"{nodes}x[{(accelerators is null ? "CPU:" + (Match(taskYaml, @"^\s+cpus:\s*['""]?([^'""\s#]+)") ?? "2+") : accelerators)}]";
            _script = [.. script];
            Enter();
        }

        public int Id { get; }

        public string Name { get; }

        public string TaskYaml { get; }

        public string RequestId { get; }

        public double SubmittedAt { get; }

        public string Cloud { get; }

        public string Region { get; }

        public string Resources { get; }

        public FakeSkyJobStep Current => _script[_cursor];

        public void Advance()
        {
            if (_cursor < _script.Count - 1)
            {
                _cursor++;
                Enter();
            }
        }

        public void Replace(IReadOnlyList<FakeSkyJobStep> script)
        {
            _script = [.. script];
            _cursor = 0;
            Enter();
        }

        public bool Cancel()
        {
            if (FakeSkyJobStatus.IsTerminal(Current.Status))
            {
                return false;
            }

            Replace([FakeSkyJobStatus.Cancelling, FakeSkyJobStatus.Cancelled]);
            return true;
        }

        private void Enter()
        {
            var now = EpochNow();
            var status = Current.Status;
            if (status is FakeSkyJobStatus.Starting or FakeSkyJobStatus.Running)
            {
                _startAt ??= now;
            }

            if (status == FakeSkyJobStatus.Recovering)
            {
                _recoveries++;
                _lastRecoveredAt = now;
            }

            if (Current.FailureReason is not null)
            {
                _failureReason = Current.FailureReason;
            }

            if (FakeSkyJobStatus.IsTerminal(status))
            {
                _endAt ??= now;
            }
        }

        public FakeSkyJobInfo Info() => new(Id, Name, Current.Status, _failureReason, _recoveries, TaskYaml, RequestId, [.. _script.Skip(_cursor).Select(s => s.Status)]);

        public JsonObject Record(string userName, string userHash, string workspace)
        {
            var duration = _startAt is { } start ? Math.Round((_endAt ?? EpochNow()) - start, 3) : 0;
            return new JsonObject
            {
                ["job_id"] = Id,
                ["task_id"] = 0,
                ["job_name"] = Name,
                ["task_name"] = Name,
                ["status"] = Current.Status,
                ["schedule_state"] = FakeSkyJobStatus.ScheduleStateFor(Current.Status),
                ["resources"] = Resources,
                ["cloud"] = Cloud,
                ["region"] = Region,
                ["zone"] = null,
                ["infra"] = Cloud + "/" + Region,
                ["recovery_count"] = _recoveries,
                ["failure_reason"] = _failureReason,
                ["details"] = null,
                ["user_name"] = userName,
                ["user_hash"] = userHash,
                ["workspace"] = workspace,
                ["submitted_at"] = SubmittedAt,
                ["start_at"] = _startAt,
                ["end_at"] = _endAt,
                ["last_recovered_at"] = _lastRecoveredAt ?? _startAt,
                ["job_duration"] = duration,
            };
        }

        private static string? Match(string yaml, string pattern)
        {
            var m = Regex.Match(yaml, pattern, RegexOptions.Multiline);
            return m.Success ? m.Groups[1].Value : null;
        }

        /// <summary>(cloud display name, region) from <c>infra: gcp/us-central1</c> or <c>cloud:</c>/<c>region:</c>; GCP/us-central1 when none.</summary>
        private static (string Cloud, string Region) Placement(string yaml)
        {
            var infra = Match(yaml, @"^\s+infra:\s*['""]?([^'""\s#]+)");
            var parts = infra?.Split('/') ?? [];
            var cloud = parts.Length > 0 ? parts[0] : Match(yaml, @"^\s+cloud:\s*['""]?([^'""\s#]+)");
            var region = parts.Length > 1 ? parts[1] : Match(yaml, @"^\s+region:\s*['""]?([^'""\s#]+)");
            var display = cloud?.ToLowerInvariant() switch
            {
                null => "GCP",
                "gcp" or "aws" or "ibm" or "oci" or "scp" => cloud.ToUpperInvariant(),
                "k8s" or "kubernetes" => "Kubernetes",
                var other => char.ToUpperInvariant(other[0]) + other[1..],
            };
            return (display, region ?? (display == "GCP" ? "us-central1" : "default"));
        }
    }
}
