using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>Lists managed jobs from the SkyPilot API server (sky jobs queue).</summary>
    [Cmdlet(VerbsCommon.Get, "SkyJob", HelpUri = HelpLinks.GetSkyJob)]
    [OutputType(typeof(ManagedJob))]
    public sealed class GetSkyJobCommand : SkyApiCmdlet
    {
        /// <summary>Only these job ids.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(JobIdCompleter))]
        public long[]? JobId { get; set; }

        /// <summary>Only jobs whose name matches (wildcards allowed).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Only jobs in these statuses (SkyPilot's names).</summary>
        [Parameter]
        [ValidateJobStatus]
        [ArgumentCompleter(typeof(JobStatusCompleter))]
        public string[]? Status { get; set; }

        /// <summary>Every user's jobs, not only yours.</summary>
        [Parameter]
        public SwitchParameter AllUsers { get; set; }

        /// <summary>Only jobs that have not ended.</summary>
        [Parameter]
        public SwitchParameter SkipFinished { get; set; }

        /// <summary>Ask the jobs controller for fresh statuses (starts it if it is down).</summary>
        [Parameter]
        public SwitchParameter Refresh { get; set; }

        /// <summary>Only jobs of this SkyPilot workspace.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        /// <summary>The API server (default: SKYPILOT_API_SERVER_ENDPOINT, ~/.sky/config.yaml, http://127.0.0.1:46580).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        /// <summary>
        /// Like Get-Process -Id: a job id, or a name without wildcards, that matches no job is a non-terminating
        /// ObjectNotFound error; a wildcard that matches nothing is not.
        /// </summary>
        private void ReportNotFound(IReadOnlyCollection<ManagedJob> jobs, string endpoint)
        {
            foreach (var id in JobId ?? new long[0])
            {
                if (!jobs.Any(j => j.JobId == id))
                {
                    WriteError(JobErrors.NotFound("No managed job with id " + id + " at " + endpoint + ".", id));
                }
            }

            foreach (var name in (Name ?? new string[0]).Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
            {
                if (!jobs.Any(j => string.Equals(j.Name, name, System.StringComparison.OrdinalIgnoreCase)))
                {
                    WriteError(JobErrors.NotFound("No managed job named '" + name + "' at " + endpoint + ".", name));
                }
            }
        }

        internal override void Execute(CancellationToken cancellationToken) => AtServer(Endpoint, api =>
        {
            var query = new ManagedJobQuery { JobIds = JobId, AllUsers = AllUsers.IsPresent, SkipFinished = SkipFinished.IsPresent, Refresh = Refresh.IsPresent, Workspace = Workspace };
            var jobs = Run(ct => api.QueueAsync(query, ct), cancellationToken);
            var matching = jobs
                .Where(j => JobId is null || JobId.Contains(j.JobId))
                .Named(Name)
                .Where(j => Status is null || Status.Any(s => string.Equals(s, j.Status, System.StringComparison.OrdinalIgnoreCase)))
                .OrderByDescending(j => j.JobId)
                .ThenBy(j => j.TaskId)
                .ToList();
            JobHistory.Remember(Environment, matching);
            foreach (var job in matching)
            {
                WriteObject(job);
            }

            ReportNotFound(jobs, api.Endpoint.ToString());
        });
    }
}
