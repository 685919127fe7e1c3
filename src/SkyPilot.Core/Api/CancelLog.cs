using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace SkyPilot.Core.Api
{
    /// <summary>
    /// The one place that reads the per-job outcome of <c>/jobs/cancel</c>: the request always ends SUCCEEDED with
    /// <c>null</c>, and only its log says what happened (sky/jobs/utils.py cancel_jobs_by_id; lines as recorded from a
    /// 0.13 server):
    /// <c>Job 99999 not found. Skipped.</c>, <c>Job 1 is already in terminal state FAILED_PRECHECKS. Skipped.</c>,
    /// <c>Job with ID 2 is scheduled to be cancelled.</c> / <c>Jobs with IDs 2, 3 are scheduled to be cancelled.</c>,
    /// <c>No job to cancel.</c>
    /// </summary>
    public static class CancelLog
    {
        private static readonly Regex NotFound = new Regex(@"^Job (\d+) not found\. Skipped\.", RegexOptions.Compiled);
        private static readonly Regex Terminal = new Regex(@"^Job (\d+) is already in terminal state ([A-Z_]+)\. Skipped\.", RegexOptions.Compiled);
        private static readonly Regex Scheduled = new Regex(@"^Jobs? with IDs? ([\d, ]+) (?:is|are) scheduled to be cancelled\.", RegexOptions.Compiled);

        /// <summary>The outcome per job id named in <paramref name="log"/>; ids in <paramref name="asked"/> it does not name are Unknown.</summary>
        public static IReadOnlyList<CancelOutcome> Parse(string log, IEnumerable<long> asked)
        {
            var outcomes = new Dictionary<long, CancelOutcome>();
            foreach (var raw in (AnsiText.Strip(log) ?? string.Empty).Split(new[] { '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var line = raw.Trim();
                Match m;
                if ((m = NotFound.Match(line)).Success)
                {
                    Add(outcomes, new CancelOutcome(Id(m.Groups[1].Value), CancelResult.NotFound, null, line));
                }
                else if ((m = Terminal.Match(line)).Success)
                {
                    Add(outcomes, new CancelOutcome(Id(m.Groups[1].Value), CancelResult.AlreadyTerminal, m.Groups[2].Value, line));
                }
                else if ((m = Scheduled.Match(line)).Success)
                {
                    foreach (var id in m.Groups[1].Value.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries))
                    {
                        Add(outcomes, new CancelOutcome(Id(id), CancelResult.Scheduled, null, line));
                    }
                }
            }

            foreach (var id in asked.Where(id => !outcomes.ContainsKey(id)))
            {
                outcomes[id] = new CancelOutcome(id, CancelResult.Unknown);
            }

            return outcomes.Values.OrderBy(o => o.JobId).ToList();
        }

        private static void Add(Dictionary<long, CancelOutcome> outcomes, CancelOutcome outcome) => outcomes[outcome.JobId] = outcome;

        private static long Id(string text) => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
    }
}
