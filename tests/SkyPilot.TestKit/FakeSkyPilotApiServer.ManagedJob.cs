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

        public FakeSkyJobInfo Info() => new(Id, Name, Current.Status);

        /// <summary>The tasks of the job (documents of its YAML after an optional name-only header): one queue record each.</summary>
        public int TaskCount => Math.Max(1, Regex.Split(TaskYaml, @"^---\s*$", RegexOptions.Multiline)
            .Count(doc => Regex.IsMatch(doc, @"^(run|setup|resources|file_mounts|workdir):", RegexOptions.Multiline)));

        /// <summary>One record per task: earlier tasks of a pipeline have SUCCEEDED once the job runs; the script drives the last.</summary>
        public IEnumerable<JsonObject> Records(string userName, string userHash, string workspace)
        {
            for (var task = 0; task < TaskCount; task++)
            {
                var status = Current.Status;
                if (task < TaskCount - 1 && status is FakeSkyJobStatus.Running or FakeSkyJobStatus.WindingDown or FakeSkyJobStatus.Succeeded)
                {
                    status = FakeSkyJobStatus.Succeeded;
                }

                var record = Record(userName, userHash, workspace, status);
                record["task_id"] = task;
                record["task_name"] = TaskCount == 1 ? Name : Name + "-" + task;
                yield return record;
            }
        }

        private JsonObject Record(string userName, string userHash, string workspace, string status)
        {
            var duration = _startAt is { } start ? Math.Round((_endAt ?? EpochNow()) - start, 3) : 0;
            var placed = status is not (FakeSkyJobStatus.Pending or FakeSkyJobStatus.Submitted or FakeSkyJobStatus.Starting);
            return new JsonObject
            {
                ["_job_id"] = Id,
                ["job_id"] = Id,
                ["task_id"] = 0,
                ["job_name"] = Name,
                ["task_name"] = Name,
                ["status"] = status,
                ["schedule_state"] = FakeSkyJobStatus.ScheduleStateFor(status),
                ["resources"] = Resources,
                ["cloud"] = placed ? Cloud : "-",
                ["region"] = placed ? Region : "-",
                ["zone"] = "-",
                ["infra"] = placed ? Cloud + "/" + Region : "-",
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
