using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using SkyPilot.Core.Api;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>Cancels managed jobs (sky jobs cancel) and reports per job what the server did.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "SkyJob", SupportsShouldProcess = true, DefaultParameterSetName = "JobId", HelpUri = HelpLinks.StopSkyJob)]
    [OutputType(typeof(ManagedJob))]
    public sealed class StopSkyJobCommand : SkyApiCmdlet
    {
        private readonly List<(string? Endpoint, long JobId)> _requested = new List<(string?, long)>();
        private readonly List<(string? Endpoint, long JobId)> _approved = new List<(string?, long)>();
        private readonly List<(string? Endpoint, string[]? Names)> _selections = new List<(string?, string[]?)>();

        /// <summary>The jobs to cancel; binds from Get-SkyJob output.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "JobId")]
        [ArgumentCompleter(typeof(JobIdCompleter))]
        public long[] JobId { get; set; } = new long[0];

        /// <summary>Cancels your unfinished jobs whose name matches (wildcards allowed).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Name")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Cancels all your unfinished jobs.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "All")]
        public SwitchParameter All { get; set; }

        /// <summary>The API server (default: SKYPILOT_API_SERVER_ENDPOINT, ~/.sky/config.yaml, http://127.0.0.1:46580).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        /// <summary>Emit the jobs after the cancel request.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Collects the approved ids of one pipeline record (-Name and -All are resolved once, at the end).</summary>
        internal override void Execute(CancellationToken cancellationToken)
        {
            if (Name != null || All.IsPresent)
            {
                _selections.Add((Endpoint, Name));
                return;
            }

            _requested.AddRange(JobId.Select(id => (Endpoint, id)));
        }

        /// <summary>
        /// Asks about each requested id naming the job and its status; a job that already ended is a warning, not a prompt.
        /// An id the queue does not list is still sent: the cancel request says whether it exists.
        /// </summary>
        private void ApproveRequested(CancellationToken cancellationToken)
        {
            foreach (var group in _requested.GroupBy(r => r.Endpoint))
            {
                AtServer(group.Key, api =>
                {
                    var ids = group.Select(r => r.JobId).Distinct().ToList();
                    var known = Run(ct => api.QueueAsync(new ManagedJobQuery { JobIds = ids }, ct), cancellationToken)
                        .GroupBy(j => j.JobId).ToDictionary(g => g.Key, g => g.First());
                    foreach (var id in ids)
                    {
                        if (known.TryGetValue(id, out var job) && job.IsTerminal)
                        {
                            WriteSkyWarning("Managed job " + id + " (" + (job.Name ?? "unnamed") + ") has already ended (" + job.Status + "); nothing to cancel.");
                        }
                        else if (ShouldProcess(Target(id, group.Key) + (job is null ? string.Empty : " (" + (job.Name ?? "unnamed") + ", " + job.Status + ")"), "Cancel"))
                        {
                            _approved.Add((group.Key, id));
                        }
                    }
                });
            }
        }

        /// <summary>Cancels everything approved, one request per server; a failure at one server does not stop the others.</summary>
        internal override void Complete(CancellationToken cancellationToken)
        {
            ApproveRequested(cancellationToken);
            foreach (var (endpoint, names) in _selections)
            {
                AtServer(endpoint, api =>
                {
                    var active = Run(ct => api.QueueAsync(new ManagedJobQuery { SkipFinished = true }, ct), cancellationToken);
                    foreach (var job in active.Named(names).GroupBy(j => j.JobId).Select(g => g.First()))
                    {
                        if (ShouldProcess(Target(job.JobId, endpoint) + " (" + (job.Name ?? "unnamed") + ", " + job.Status + ")", "Cancel"))
                        {
                            _approved.Add((endpoint, job.JobId));
                        }
                    }
                });
            }

            foreach (var group in _approved.GroupBy(a => a.Endpoint))
            {
                AtServer(group.Key, api =>
                {
                    var ids = group.Select(a => a.JobId).Distinct().ToList();
                    foreach (var outcome in Run(ct => api.CancelAsync(ids, ct), cancellationToken))
                    {
                        Report(outcome, api.Endpoint.ToString());
                    }

                    if (PassThru.IsPresent)
                    {
                        foreach (var job in Run(ct => api.QueueAsync(new ManagedJobQuery { JobIds = ids }, ct), cancellationToken))
                        {
                            WriteObject(job);
                        }
                    }
                });
            }
        }

        private void Report(CancelOutcome outcome, string endpoint)
        {
            switch (outcome.Result)
            {
                case CancelResult.Scheduled:
                    WriteSkyVerbose("Managed job " + outcome.JobId + " at " + endpoint + " is scheduled to be cancelled.");
                    break;
                case CancelResult.AlreadyTerminal:
                    WriteSkyWarning("Managed job " + outcome.JobId + " had already ended (" + outcome.Status + "); nothing was cancelled.");
                    break;
                case CancelResult.NotFound:
                    WriteError(JobErrors.NotFound("Managed job " + outcome.JobId + " was not found at " + endpoint + "; nothing was cancelled.", outcome.JobId, "List your jobs with Get-SkyJob (another user's jobs: Get-SkyJob -AllUsers)."));
                    break;
                default:
                    WriteSkyWarning("The server did not say what it did with managed job " + outcome.JobId + "; check it with Get-SkyJob -JobId " + outcome.JobId + ".");
                    break;
            }
        }

        private static string Target(long id, string? endpoint) => "managed job " + id + (endpoint is null ? string.Empty : " at " + endpoint);
    }
}
