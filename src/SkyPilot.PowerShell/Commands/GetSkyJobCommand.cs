using System.Linq;
using System.Management.Automation;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Config;
using SkyPilot.Core.Http;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists managed jobs from the SkyPilot API server (sky jobs queue).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SkyJob", HelpUri = HelpLinks.GetSkyJob)]
    [OutputType(typeof(ManagedJob))]
    public sealed class GetSkyJobCommand : SkyCmdlet
    {
        /// <summary>Only these job ids.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(JobIdCompleter))]
        public long[]? JobId { get; set; }

        /// <summary>Only jobs whose name matches (wildcards allowed).</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Only jobs in these statuses (SkyPilot's names).</summary>
        [Parameter]
        [ValidateSet("PENDING", "SUBMITTED", "STARTING", "RUNNING", "WINDING_DOWN", "RECOVERING", "CANCELLING", "SUCCEEDED", "CANCELLED", "FAILED", "FAILED_SETUP", "FAILED_PRECHECKS", "FAILED_NO_RESOURCE", "FAILED_CONTROLLER")]
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

        internal override void Execute(ICmdletSink sink, CancellationToken cancellationToken)
        {
            var environment = SkyEnvironment.FromProcess();
            object? target = null;
            try
            {
                var api = new SkyApiClient(SharedHttpClient.Instance, SkyApiEndpoint.Resolve(Endpoint, environment, SkyConfig.LoadStrict(environment)), environment, Log);
                target = api.Endpoint.ToString();
                var query = new ManagedJobQuery { JobIds = JobId, AllUsers = AllUsers, SkipFinished = SkipFinished, Refresh = Refresh, Workspace = Workspace };
                var jobs = Run(sink, ct => api.QueueAsync(query, ct), cancellationToken);
                var patterns = Name?.Select(Wildcard.ToRegex).ToList();
                var matching = jobs
                    .Where(j => JobId is null || JobId.Contains(j.JobId))
                    .Where(j => patterns is null || patterns.Any(p => p.IsMatch(j.Name ?? string.Empty)))
                    .Where(j => Status is null || Status.Any(s => string.Equals(s, j.Status, System.StringComparison.OrdinalIgnoreCase)))
                    .OrderByDescending(j => j.JobId)
                    .ThenBy(j => j.TaskId)
                    .ToList();
                JobHistory.Remember(environment, matching);
                foreach (var job in matching)
                {
                    sink.WriteObject(job);
                }
            }
            catch (System.Exception e) when (JobErrors.From(e, target) is SkyErrorInfo error)
            {
                sink.WriteError(error);
            }
        }
    }
}
