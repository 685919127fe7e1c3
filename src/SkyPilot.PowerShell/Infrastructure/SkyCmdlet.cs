using System;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Threading;
using System.Threading.Tasks;
using SkyPilot.Core;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// Base of every cmdlet: a cancellation token cancelled by Ctrl+C (<see cref="StopProcessing"/>), async Core calls
    /// run off the pipeline thread without a synchronization context, and every write on the pipeline thread.
    /// </summary>
    /// <remarks>
    /// A compiled cmdlet given <c>-Debug</c> gets the Inquire preference for its verbose and warning streams, so every
    /// verbose line or warning prompts, and in a non-interactive host (CI) the prompt is an error thrown from the write.
    /// Under <c>-Debug</c> <see cref="WriteSkyVerbose"/> therefore writes to the debug stream (unless <c>-Verbose</c> was
    /// given too), and a warning whose prompt cannot be shown still counts as written (it already is) instead of failing
    /// the cmdlet after it may have changed state.
    /// </remarks>
    public abstract class SkyCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
        private SkyEnvironment? _environment;

        /// <summary>Collects Core's verbose, debug and warning lines for the pipeline thread.</summary>
        internal QueuedLog Log { get; } = new QueuedLog();

        /// <summary>The cmdlet's work for one pipeline record.</summary>
        internal abstract void Execute(CancellationToken cancellationToken);

        /// <summary>Work after the last pipeline record, for cmdlets that collect input first and act once (default: none).</summary>
        internal virtual void Complete(CancellationToken cancellationToken)
        {
        }

        /// <summary>
        /// The caller's current directory: PowerShell's file-system location inside a runspace (which may differ from the
        /// process's), else the process's.
        /// </summary>
        internal string CurrentDirectory
        {
            get
            {
                try
                {
                    var location = SessionState?.Path?.CurrentFileSystemLocation?.ProviderPath;
                    return string.IsNullOrEmpty(location) ? System.Environment.CurrentDirectory : location!;
                }
                catch (PSInvalidOperationException)
                {
                    return System.Environment.CurrentDirectory;
                }
            }
        }

        /// <summary>
        /// This invocation's environment snapshot, taken on first use: every pipeline record of one invocation sees
        /// the same variables, config and resolved identities (each read once), so what was checked is what is used.
        /// </summary>
        internal SkyEnvironment Environment => LazyInitializer.EnsureInitialized(ref _environment, () => SkyEnvironment.FromProcess())!;

        /// <summary>Cancelled by Ctrl+C (StopProcessing).</summary>
        internal CancellationToken Cancellation => _cancellation.Token;

        protected override void BeginProcessing() => SerializationDepths.EnsureRegistered();

        protected override void ProcessRecord() => Step(Execute);

        protected override void EndProcessing() => Step(Complete);

        protected override void StopProcessing() => _cancellation.Cancel();

        private void Step(Action<CancellationToken> logic)
        {
            try
            {
                try
                {
                    logic(_cancellation.Token);
                }
                catch (Exception e) when (!(e is RuntimeException) && !(e is OperationCanceledException))
                {
                    // Report, don't crash: a record with a stable id, a category and the hint; never a stack trace. The
                    // engine's own exceptions (a stopped pipeline, a prompt the host cannot show, an Inquire answered
                    // "Halt") are PowerShell's to report, as for any cmdlet; Core never throws them.
                    Log.DrainTo(this);
                    WriteError(ErrorMapping.From(e));
                }
                finally
                {
                    Log.DrainTo(this);
                }
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>
        /// Runs async work on the thread pool and waits on the pipeline thread, draining Core's log lines
        /// into the streams as they arrive.
        /// </summary>
        internal T Run<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
            RunStreaming((_, ct) => work(ct), cancellationToken);

        /// <summary>Like <see cref="Run{T}"/>, and what the work emits (from any thread) is written to the output as it comes.</summary>
        internal T RunStreaming<T>(Func<Action<object>, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        {
            var emitted = new System.Collections.Concurrent.ConcurrentQueue<object>();
            void Emit(object value)
            {
                emitted.Enqueue(value);
                Log.Queued.Set();
            }

            void Drain()
            {
                Log.DrainTo(this);
                while (emitted.TryDequeue(out var value))
                {
                    WriteObject(value);
                }
            }

            var task = Task.Run(() => work(Emit, cancellationToken), cancellationToken);
            var handles = new WaitHandle[] { ((IAsyncResult)task).AsyncWaitHandle, Log.Queued };
            while (!task.IsCompleted)
            {
                WaitHandle.WaitAny(handles);
                Drain();
            }

            Drain();
            return task.GetAwaiter().GetResult();
        }

        /// <summary>Writes an error record built from <paramref name="error"/>, with its recommended action.</summary>
        internal void WriteError(SkyErrorInfo error)
        {
            var full = error.Exception.ToString();
            if (Log.HideConcealed(full) != full || Log.HideConcealed(error.RecommendedAction) != (error.RecommendedAction ?? string.Empty))
            {
                // A concealed value in the exception or its inner ones: the record carries only the scrubbed message.
                // (Our exceptions' messages are redacted when built; hints are our own text and keep words like "token:".)
                error = new SkyErrorInfo(new SkyOperationException(Log.Scrub(error.Exception.Message)), error.ErrorId, error.Category, error.Target is string text ? Log.Scrub(text) : error.Target, error.RecommendedAction is null ? null : Log.HideConcealed(error.RecommendedAction));
            }

            var record = new ErrorRecord(error.Exception, error.ErrorId, error.Category, error.Target);
            if (error.RecommendedAction != null)
            {
                record.ErrorDetails = new ErrorDetails(error.Exception.Message) { RecommendedAction = error.RecommendedAction };
            }

            WriteError(record);
        }

        internal void WriteProgress(SkyProgress progress) => WriteProgress(new ProgressRecord(progress.ActivityId, progress.Activity, progress.Status)
        {
            PercentComplete = progress.PercentComplete,
            RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        });

        /// <summary>A warning that does not fail the cmdlet under <c>-Debug</c> in a host that cannot prompt (see remarks).</summary>
        internal void WriteSkyWarning(string message)
        {
            message = Log.Scrub(message);
            if (!Given("Debug") || Given("WarningAction"))
            {
                WriteWarning(message);
                return;
            }

            try
            {
                WriteWarning(message);
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is HostException)
            {
                // No interactive host to ask "Continue with this operation?": the warning is already in the stream.
            }
        }

        /// <summary>A verbose line, written to the debug stream under <c>-Debug</c> alone (see remarks).</summary>
        internal void WriteSkyVerbose(string message)
        {
            message = Log.Scrub(message);
            if (Given("Debug") && !Given("Verbose"))
            {
                WriteDebug(message);
            }
            else
            {
                WriteVerbose(message);
            }
        }

        private bool Given(string parameter)
        {
            var bound = MyInvocation?.BoundParameters;
            if (bound is null || !bound.TryGetValue(parameter, out var value))
            {
                return false;
            }

            return parameter != "Debug" || (value is SwitchParameter on && on.IsPresent);
        }

        public void Dispose()
        {
            _cancellation.Dispose();
            Log.Queued.Dispose();
        }
    }
}
