using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
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
    /// <summary>Submits a SkyPilot task as a managed job, after checking every access it needs (sky jobs launch).</summary>
    [Cmdlet(VerbsLifecycle.Submit, "SkyJob", SupportsShouldProcess = true, DefaultParameterSetName = "Path", HelpUri = HelpLinks.SubmitSkyJob)]
    [OutputType(typeof(ManagedJob))]
    public sealed class SubmitSkyJobCommand : SkyApiCmdlet
    {
        /// <summary>The task YAML files: PowerShell paths, resolved against the current location; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = new string[0];

        /// <summary>The task YAML files, taken literally (no wildcards); binds from Get-ChildItem output.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>The job's name (default: the task's name).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>The API server (default: SKYPILOT_API_SERVER_ENDPOINT, ~/.sky/config.yaml, http://127.0.0.1:46580).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Endpoint { get; set; }

        /// <summary>Envs for every task (over the task's envs and -EnvFile): @{ NAME = 'value' }.</summary>
        [Parameter]
        [ValidateNotNull]
        public IDictionary? Env { get; set; }

        /// <summary>A dotenv file of envs (KEY=VALUE lines) for every task: over the task's envs, under -Env.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EnvFile { get; set; }

        /// <summary>
        /// Secrets for every task: names whose values are taken from the environment (as sky jobs launch --secret NAME),
        /// or @{ NAME = [securestring] }. Their values never appear in any output, message or file of this module.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? Secret { get; set; }

        /// <summary>Wait until the job ends; a FAILED* status is written as an error record.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        internal override void Execute(CancellationToken cancellationToken)
        {
            foreach (var path in TaskPaths())
            {
                Submit(path, cancellationToken);
            }
        }

        /// <summary>
        /// The task files as file-system paths, resolved the PowerShell way: against the current location, through the
        /// provider (~, PSDrives, provider-qualified paths); wildcards in -Path expand, -LiteralPath is taken as given.
        /// </summary>
        private IEnumerable<string> TaskPaths()
        {
            var literal = LiteralPath != null;
            foreach (var given in LiteralPath ?? Path)
            {
                PathIntrinsics? paths;
                try
                {
                    paths = SessionState?.Path;
                }
                catch (PSInvalidOperationException)
                {
                    paths = null;
                }

                if (paths is null)
                {
                    yield return System.IO.Path.GetFullPath(System.IO.Path.Combine(CurrentDirectory, given));
                    continue;
                }

                var resolved = new List<string>();
                ProviderInfo? provider = null;
                try
                {
                    if (!literal && WildcardPattern.ContainsWildcardCharacters(given))
                    {
                        resolved.AddRange(paths.GetResolvedProviderPathFromPSPath(given, out provider));
                    }
                    else
                    {
                        resolved.Add(paths.GetUnresolvedProviderPathFromPSPath(given, out provider, out _));
                    }
                }
                catch (Exception e) when (e is ItemNotFoundException || e is System.Management.Automation.DriveNotFoundException || e is ProviderNotFoundException || e is PSArgumentException || e is NotSupportedException)
                {
                    WriteError(new SkyErrorInfo(new SkyOperationException("No task file matches '" + given + "': " + e.Message), "TaskFileNotFound", ErrorCategory.ObjectNotFound, given, "Check the path: it is resolved against the current location (Get-Location)."));
                    continue;
                }

                if (resolved.Count == 0)
                {
                    WriteError(new SkyErrorInfo(new SkyOperationException("No task file matches '" + given + "'."), "TaskFileNotFound", ErrorCategory.ObjectNotFound, given, "Check the path: it is resolved against the current location (Get-Location)."));
                    continue;
                }

                if (provider?.Name != "FileSystem")
                {
                    WriteError(new SkyErrorInfo(new SkyOperationException("'" + given + "' is not a file-system path (provider " + provider?.Name + ")."), "TaskFileNotAFile", ErrorCategory.InvalidArgument, given, "Give the task's YAML file on a file-system drive."));
                    continue;
                }

                foreach (var path in resolved)
                {
                    yield return path;
                }
            }
        }

        private void Submit(string path, CancellationToken cancellationToken)
        {
            var environment = Environment;
            try
            {
                var variables = TaskVariables.Resolve(EnvPairs(), EnvFile is null ? null : FileSystemPath(EnvFile), SecretPairs(), environment);
                Log.Conceal(variables.SecretValues);
                var task = variables.ApplyTo(TaskParser.ParseFile(path, CurrentDirectory, environment.HomeDirectory));
                WriteSkyVerbose("Given at submission: " + variables.Describe());
                var service = CloudCheckService.CreateDefault(environment, Log);
                var submitter = new JobSubmitter(service, SharedHttpClient.Instance, Log);
                var plan = Run(ct => Task.Run(() => submitter.Plan(task, Endpoint, environment, ct), ct), cancellationToken);
                WriteSkyVerbose(plan.Describe());
                if (!ShouldProcess(ShortTarget(path, plan), "Submit managed job"))
                {
                    return;
                }

                var checks = Run(ct => submitter.PrecheckAsync(plan, environment, ct), cancellationToken);
                foreach (var check in checks)
                {
                    if (check.Unverified)
                    {
                        WriteSkyWarning("Not verified: " + check.Requirement + " (" + check.Reason + ")");
                    }
                    else
                    {
                        WriteSkyVerbose("Precheck passed: " + check);
                    }
                }

                var job = Run(ct => submitter.SubmitAsync(plan, Name, environment, p => Log.Progress(StagingRecord(p)), ct), cancellationToken);
                Log.Progress(new SkyProgress(1, "Staging files", "done", 100, completed: true));
                JobHistory.Remember(environment, new[] { job });
                if (Wait.IsPresent)
                {
                    try
                    {
                        job = WaitForJob(plan.Endpoint, job, cancellationToken);
                    }
                    catch (Exception e) when (e is PipelineStoppedException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
                    {
                        SayLeftRunning(job);
                        throw;
                    }
                }

                WriteObject(job);
            }
            catch (SkyException e)
            {
                WriteError(ErrorMapping.From(e, path));
            }
        }

        private IEnumerable<KeyValuePair<string, string>> EnvPairs()
        {
            foreach (DictionaryEntry entry in Env ?? new Hashtable())
            {
                yield return new KeyValuePair<string, string>(entry.Key.ToString() ?? string.Empty, LanguagePrimitives.ConvertTo<string>(entry.Value) ?? string.Empty);
            }
        }

        /// <summary>-Secret's names (value from the environment: null) and hashtables of SecureString (or plain) values.</summary>
        private IEnumerable<KeyValuePair<string, string?>> SecretPairs()
        {
            foreach (var item in Secret ?? new object[0])
            {
                switch (item is PSObject wrapped ? wrapped.BaseObject : item)
                {
                    case string name:
                        yield return new KeyValuePair<string, string?>(name, null);
                        break;
                    case IDictionary map:
                        foreach (DictionaryEntry entry in map)
                        {
                            yield return new KeyValuePair<string, string?>(entry.Key.ToString() ?? string.Empty, Plain(entry.Key, entry.Value is PSObject value ? value.BaseObject : entry.Value));
                        }

                        break;
                    default:
                        throw new ArgumentException("-Secret takes names (taken from the environment) or a hashtable of names to SecureString values, not a " + item?.GetType().Name + ".");
                }
            }
        }

        private static string? Plain(object key, object? value)
        {
            switch (value)
            {
                case null:
                    return null;
                case SecureString secure:
                    return new System.Net.NetworkCredential(string.Empty, secure).Password;
                case PSCredential credential:
                    return credential.GetNetworkCredential().Password;
                case string text:
                    return text;
                default:
                    throw new ArgumentException("The secret " + key + " must be a SecureString (or a string), not a " + value.GetType().Name + ".");
            }
        }

        private string FileSystemPath(string given)
        {
            try
            {
                return SessionState.Path.GetUnresolvedProviderPathFromPSPath(given);
            }
            catch (PSInvalidOperationException)
            {
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(CurrentDirectory, given));
            }
        }

        /// <summary>
        /// Ctrl+C stops the wait, not the job: say which job keeps running and how to follow or stop it. The pipeline is
        /// stopping, so its streams refuse writes; the host's own warning line still reaches the user.
        /// </summary>
        private void SayLeftRunning(ManagedJob job)
        {
            var message = "Stopped waiting; managed job " + job.JobId + " (" + (job.Name ?? "unnamed") + ") keeps running. Follow it with Wait-SkyJob -JobId " + job.JobId + " or Get-SkyJobLog -JobId " + job.JobId + ", stop it with Stop-SkyJob -JobId " + job.JobId + ".";
            try
            {
                Host?.UI?.WriteWarningLine(message);
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is System.Management.Automation.Host.HostException || e is NotImplementedException)
            {
                // A host without a UI: the job is in the job history (Get-SkyJob) either way.
            }
        }

        /// <summary>The confirmation target: the task, the job name and the server on one line (the whole plan is verbose).</summary>
        private string ShortTarget(string path, SubmitPlan plan)
        {
            var name = Name ?? plan.Task.Name;
            var upload = plan.Staging is null || plan.Staging.IsEmpty ? "nothing to upload" : plan.Staging.Files.Count + " file(s) to " + plan.Staging.JobPrefixUri;
            return System.IO.Path.GetFileName(path) + (name is null ? string.Empty : " as '" + name + "'") + " at " + plan.Endpoint + " (" + upload + ")";
        }

        /// <summary>Waits as Wait-SkyJob does; a failure to wait still emits the submitted job, so nobody submits it again.</summary>
        private ManagedJob WaitForJob(SkyApiEndpoint endpoint, ManagedJob job, CancellationToken cancellationToken)
        {
            var waiter = new ManagedJobWaiter(ApiClient(endpoint), Environment, Log);
            try
            {
                var final = Run(ct => waiter.WaitAsync(job, null, new JobProgress(Log), ct), cancellationToken);
                if (JobErrors.Ended(final) is SkyErrorInfo failed)
                {
                    WriteError(failed);
                }

                return final;
            }
            catch (SkyApiException e)
            {
                var message = "Managed job " + job.JobId + " was submitted, but waiting for it failed: " + e.Message;
                WriteError(new SkyErrorInfo(new SkyOperationException(message), "JobWaitFailed", ErrorCategory.ConnectionError, job, "Wait for it with Wait-SkyJob -JobId " + job.JobId + "; do not submit it again."));
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
