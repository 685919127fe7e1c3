using System.Management.Automation;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>The real sink: forwards to the cmdlet's streams.</summary>
    internal sealed class PSCmdletSink : ICmdletSink
    {
        private readonly PSCmdlet _cmdlet;

        public PSCmdletSink(PSCmdlet cmdlet)
        {
            _cmdlet = cmdlet;
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

        public void WriteWarning(string message) => _cmdlet.WriteWarning(message);

        public void WriteVerbose(string message) => _cmdlet.WriteVerbose(message);

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
