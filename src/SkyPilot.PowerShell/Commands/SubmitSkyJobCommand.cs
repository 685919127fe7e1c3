using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core;
using SkyPilot.Core.Api;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Jobs;
using SkyPilot.PowerShell.Infrastructure;

namespace SkyPilot.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Submits a SkyPilot task as a managed job, after checking every access it needs (sky jobs launch).</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Submit, "SkyJob", SupportsShouldProcess = true, HelpUri = HelpLinks.SubmitSkyJob)]
    [OutputType(typeof(ManagedJob))]
    public sealed class SubmitSkyJobCommand : SkyCmdlet
    {
        /// <summary>The task YAML file.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>The job's name (default: the task's name).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>The API server (default: SKYPILOT_API_SERVER_ENDPOINT, ~/.sky/config.yaml, http://127.0.0.1:46580).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        /// <summary>Wait until the job ends; a FAILED* status is written as an error record.</summary>
        [Parameter]
        public SwitchParameter Wait
        {
            get => WaitRequested;
            set => WaitRequested = value.IsPresent;
        }

        internal bool WaitRequested { get; set; }

        internal override void Execute(ICmdletSink sink, CancellationToken cancellationToken)
        {
            var environment = SkyEnvironment.FromProcess();
            var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(CurrentDirectory, Path));
            try
            {
                var task = TaskParser.ParseFile(path, CurrentDirectory, environment.HomeDirectory);
                var service = CloudCheckService.CreateDefault(environment, Log);
                var submitter = new JobSubmitter(service, SharedHttpClient.Instance, Log);
                var plan = Run(sink, ct => Task.Run(() => submitter.Plan(task, Endpoint, environment, ct), ct), cancellationToken);
                if (!sink.ShouldProcess(plan.Describe(), "Submit managed job"))
                {
                    return;
                }

                var checks = Run(sink, ct => submitter.PrecheckAsync(plan, environment, ct), cancellationToken);
                foreach (var check in checks)
                {
                    if (check.Unverified)
                    {
                        sink.WriteWarning("Not verified: " + check.Requirement + " (" + check.Reason + ")");
                    }
                    else
                    {
                        sink.WriteVerbose("Precheck passed: " + check);
                    }
                }

                var job = Run(sink, ct => submitter.SubmitAsync(plan, Name, environment, p => Log.Progress(StagingRecord(p)), ct), cancellationToken);
                Log.Progress(new SkyProgress(1, "Staging files", "done", 100, completed: true));
                JobHistory.Remember(environment, new[] { job });
                if (WaitRequested)
                {
                    job = WaitForJob(sink, plan.Endpoint, environment, job, cancellationToken);
                }

                sink.WriteObject(job);
            }
            catch (Exception e) when (JobErrors.From(e, path) is SkyErrorInfo error)
            {
                sink.WriteError(error);
            }
        }

        /// <summary>Waits as Wait-SkyJob does; a failure to wait still emits the submitted job, so nobody submits it again.</summary>
        private ManagedJob WaitForJob(ICmdletSink sink, SkyApiEndpoint endpoint, SkyEnvironment environment, ManagedJob job, CancellationToken cancellationToken)
        {
            var waiter = new ManagedJobWaiter(new SkyApiClient(SharedHttpClient.Instance, endpoint, environment, Log), environment, Log);
            try
            {
                var final = Run(sink, ct => waiter.WaitAsync(job, null, new JobProgress(Log), ct), cancellationToken);
                if (JobErrors.Ended(final) is SkyErrorInfo failed)
                {
                    sink.WriteError(failed);
                }

                return final;
            }
            catch (SkyApiException e)
            {
                var message = "Managed job " + job.JobId + " was submitted, but waiting for it failed: " + e.Message;
                sink.WriteError(new SkyErrorInfo(new SkyOperationException(message), "JobWaitFailed", ErrorCategory.ConnectionError, job, "Wait for it with Wait-SkyJob -JobId " + job.JobId + "; do not submit it again."));
                return job;
            }
        }

        private static SkyProgress StagingRecord(StagingProgress p) => new SkyProgress(
            1,
            "Staging files",
            p.FilesDone + " of " + p.FilesTotal + " files, " + Megabytes(p.BytesDone) + " of " + Megabytes(p.BytesTotal) + " MiB" + (p.FilesSkipped > 0 ? " (" + p.FilesSkipped + " already staged)" : string.Empty),
            Math.Min(100, p.PercentComplete));

        private static string Megabytes(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
