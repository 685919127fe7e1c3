using System.Collections.Generic;
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
    /// <para type="synopsis">Cancels managed jobs (sky jobs cancel).</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "SkyJob", SupportsShouldProcess = true, HelpUri = HelpLinks.StopSkyJob)]
    [OutputType(typeof(ManagedJob))]
    public sealed class StopSkyJobCommand : SkyCmdlet
    {
        private readonly List<(string? Endpoint, long JobId)> _approved = new List<(string?, long)>();

        /// <summary>The jobs to cancel; binds from Get-SkyJob output.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(JobIdCompleter))]
        public long[] JobId { get; set; } = new long[0];

        /// <summary>The API server (default: SKYPILOT_API_SERVER_ENDPOINT, ~/.sky/config.yaml, http://127.0.0.1:46580).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        /// <summary>Emit the jobs after the cancel request.</summary>
        [Parameter]
        public SwitchParameter PassThru
        {
            get => PassThruRequested;
            set => PassThruRequested = value.IsPresent;
        }

        internal bool PassThruRequested { get; set; }

        /// <summary>Collects the approved ids of one pipeline record.</summary>
        internal override void Execute(ICmdletSink sink, CancellationToken cancellationToken)
        {
            foreach (var id in JobId)
            {
                if (sink.ShouldProcess("managed job " + id + (Endpoint is null ? string.Empty : " at " + Endpoint), "Cancel"))
                {
                    _approved.Add((Endpoint, id));
                }
            }
        }

        protected override void EndProcessing()
        {
            try
            {
                InvokeEnd(new PSCmdletSink(this));
            }
            catch (System.OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Cancels everything approved in one request, after the whole pipeline was read.</summary>
        internal void InvokeEnd(ICmdletSink sink)
        {
            if (_approved.Count == 0)
            {
                return;
            }

            var environment = SkyEnvironment.FromProcess();
            try
            {
                // Jobs piped from several servers are cancelled on the server each came from, one request per server;
                // a failure at one server does not stop the others.
                foreach (var group in _approved.GroupBy(a => a.Endpoint))
                {
                    object? target = group.Key;
                    try
                    {
                        var api = new SkyApiClient(SharedHttpClient.Instance, SkyApiEndpoint.Resolve(group.Key, environment, SkyConfig.LoadStrict(environment)), environment, Log);
                        target = api.Endpoint.ToString();
                        var ids = group.Select(a => a.JobId).Distinct().ToList();
                        Run(sink, async ct => { await api.CancelAsync(ids, ct).ConfigureAwait(false); return true; }, Cancellation);
                        sink.WriteVerbose("Requested cancellation of job(s) " + string.Join(", ", ids) + " at " + api.Endpoint);
                        if (PassThruRequested)
                        {
                            foreach (var job in Run(sink, ct => api.QueueAsync(ids, false, ct), Cancellation))
                            {
                                sink.WriteObject(job);
                            }
                        }
                    }
                    catch (System.Exception e) when (!(e is System.OperationCanceledException) && !(e is PipelineStoppedException))
                    {
                        sink.WriteError(JobErrors.From(e, target) ?? ErrorMapping.From(e, target));
                    }
                }
            }
            finally
            {
                Log.DrainTo(sink);
            }
        }
    }
}
