using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Jobs;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>Waits until managed jobs end (every task of a pipeline) and emits them in their final state.</summary>
    [Cmdlet(VerbsLifecycle.Wait, "SkyJob", DefaultParameterSetName = "JobId", HelpUri = HelpLinks.WaitSkyJob)]
    [OutputType(typeof(ManagedJob))]
    public sealed class WaitSkyJobCommand : SkyApiCmdlet
    {
        /// <summary>The jobs; binds from Get-SkyJob and Submit-SkyJob output.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "JobId")]
        [ArgumentCompleter(typeof(JobIdCompleter))]
        public long[] JobId { get; set; } = new long[0];

        /// <summary>The newest job of this name.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Name")]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Seconds to wait at most; the job keeps running after a timeout.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Timeout { get; set; }

        /// <summary>The API server (default: SKYPILOT_API_SERVER_ENDPOINT, ~/.sky/config.yaml, http://127.0.0.1:46580).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        internal override void Execute(CancellationToken cancellationToken)
        {
            object? target = Name ?? (object)JobId;
            try
            {
                var api = ApiClient(Endpoint);
                var ids = Name is null
                    ? JobId
                    : Run(ct => api.QueueAsync(new ManagedJobQuery(), ct), cancellationToken).Where(j => j.Name == Name).Select(j => j.JobId).OrderByDescending(id => id).Take(1).ToArray();
                if (ids.Length == 0)
                {
                    WriteError(JobErrors.NotFound("No managed job is named '" + Name + "'.", Name));
                    return;
                }

                var waiter = new ManagedJobWaiter(api, Environment, Log);
                foreach (var id in ids)
                {
                    target = id;
                    var job = new ManagedJob { JobId = id, Endpoint = api.Endpoint.ToString() };
                    var final = Run(ct => waiter.WaitAsync(job, Timeout > 0 ? TimeSpan.FromSeconds(Timeout) : (TimeSpan?)null, new JobProgress(Log), ct), cancellationToken);
                    WriteObject(final);
                    if (JobErrors.Ended(final) is SkyErrorInfo failed)
                    {
                        WriteError(failed);
                    }
                }
            }
            catch (SkyException e)
            {
                WriteError(ErrorMapping.From(e, target));
            }
        }
    }
}
