using System;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// The real sink: forwards to the cmdlet's streams.
    /// </summary>
    /// <remarks>
    /// A compiled cmdlet given <c>-Debug</c> gets the Inquire preference for its verbose and warning streams, so every
    /// verbose line or warning prompts, and in a non-interactive host (CI) the prompt is an error thrown from the write.
    /// Under <c>-Debug</c> this sink therefore writes verbose lines to the debug stream (unless <c>-Verbose</c> was given
    /// too), and a warning whose prompt cannot be shown still counts as written (it already is) instead of failing the
    /// cmdlet after it may have changed state.
    /// </remarks>
    internal sealed class PSCmdletSink : ICmdletSink
    {
        private readonly PSCmdlet _cmdlet;
        private readonly bool _debug;
        private readonly bool _verboseGiven;
        private readonly bool _warningActionGiven;

        public PSCmdletSink(PSCmdlet cmdlet)
        {
            _cmdlet = cmdlet;
            var bound = cmdlet.MyInvocation?.BoundParameters;
            _debug = bound != null && bound.TryGetValue("Debug", out var debug) && debug is SwitchParameter on && on.IsPresent;
            _verboseGiven = bound?.ContainsKey("Verbose") ?? false;
            _warningActionGiven = bound?.ContainsKey("WarningAction") ?? false;
        }

        public void WriteObject(object value) => _cmdlet.WriteObject(value);

        public void WriteError(SkyErrorInfo error)
        {
            var record = new ErrorRecord(error.Exception, error.ErrorId, error.Category, error.Target);
            if (error.RecommendedAction != null)
            {
                record.ErrorDetails = new ErrorDetails(error.Exception.Message) { RecommendedAction = error.RecommendedAction };
            }

            _cmdlet.WriteError(record);
        }

        public void WriteWarning(string message)
        {
            if (!_debug || _warningActionGiven)
            {
                _cmdlet.WriteWarning(message);
                return;
            }

            try
            {
                _cmdlet.WriteWarning(message);
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is HostException)
            {
                // No interactive host to ask "Continue with this operation?": the warning is already in the stream.
            }
        }

        public void WriteVerbose(string message)
        {
            if (_debug && !_verboseGiven)
            {
                _cmdlet.WriteDebug(message);
            }
            else
            {
                _cmdlet.WriteVerbose(message);
            }
        }

        public void WriteDebug(string message) => _cmdlet.WriteDebug(message);

        public void WriteProgress(SkyProgress progress)
        {
            var record = new ProgressRecord(progress.ActivityId, progress.Activity, progress.Status)
            {
                PercentComplete = progress.PercentComplete,
                RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            _cmdlet.WriteProgress(record);
        }

        public bool ShouldProcess(string target, string action) => _cmdlet.ShouldProcess(target, action);
    }
}
