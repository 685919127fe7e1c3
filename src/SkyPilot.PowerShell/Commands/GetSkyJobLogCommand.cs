using System.Management.Automation;
using System.Threading;
using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>Writes a managed job's log lines as they arrive (sky jobs logs); a failed job ends in a JobFailed error.</summary>
    [Cmdlet(VerbsCommon.Get, "SkyJobLog", DefaultParameterSetName = "JobId", HelpUri = HelpLinks.GetSkyJobLog)]
    [OutputType(typeof(string))]
    public sealed class GetSkyJobLogCommand : SkyApiCmdlet
    {
        /// <summary>The job; binds from Get-SkyJob and Submit-SkyJob output.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "JobId")]
        [ArgumentCompleter(typeof(JobIdCompleter))]
        public long JobId { get; set; }

        /// <summary>The job's name (the newest job of that name).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Name")]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Keep writing lines until the job ends (Ctrl+C stops following; the job keeps running).</summary>
        [Parameter]
        public SwitchParameter Follow { get; set; }

        /// <summary>Only the last lines.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Tail { get; set; }

        /// <summary>The jobs controller's log for the job instead of the job's own.</summary>
        [Parameter]
        public SwitchParameter Controller { get; set; }

        /// <summary>The API server (default: SKYPILOT_API_SERVER_ENDPOINT, ~/.sky/config.yaml, http://127.0.0.1:46580).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        internal override void Execute(CancellationToken cancellationToken)
        {
            var target = Name ?? (object)JobId;
            try
            {
                var api = ApiClient(Endpoint);
                var query = new JobLogQuery { JobId = Name is null ? JobId : (long?)null, Name = Name, Follow = Follow.IsPresent, Tail = Tail > 0 ? Tail : (int?)null, Controller = Controller.IsPresent };
                var keepAnsi = RendersVirtualTerminal();
                var exit = RunStreaming((emit, ct) => api.StreamJobLogAsync(query, line => emit(keepAnsi ? line : AnsiText.Strip(line)!), ct), cancellationToken);
                Report(exit, target);
            }
            catch (SkyException e)
            {
                WriteError(ErrorMapping.From(e, target));
            }
        }

        private void Report(int? exit, object target)
        {
            switch (exit)
            {
                case JobLogQuery.Failed:
                    WriteError(JobErrors.Failed("Managed job " + target + " failed.", target, "See why with Get-SkyJob; the controller's log: Get-SkyJobLog -Controller."));
                    break;
                case JobLogQuery.NotFound:
                    WriteError(JobErrors.NotFound("Managed job " + target + " was not found.", target));
                    break;
                case JobLogQuery.NotFinished:
                    WriteSkyWarning("Managed job " + target + " has not finished; follow it with -Follow.");
                    break;
                case JobLogQuery.Cancelled:
                    WriteSkyWarning("Managed job " + target + " was cancelled.");
                    break;
            }
        }

        /// <summary>ANSI colours are kept only for a host that renders them.</summary>
        private bool RendersVirtualTerminal()
        {
            try
            {
                return Host?.UI?.SupportsVirtualTerminal == true && !System.Console.IsOutputRedirected;
            }
            catch (System.Exception)
            {
                return false;
            }
        }
    }
}
