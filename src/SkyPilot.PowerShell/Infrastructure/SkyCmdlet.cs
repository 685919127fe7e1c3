using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// Base of every cmdlet: a cancellation token cancelled by Ctrl+C (<see cref="StopProcessing"/>), async Core calls
    /// run off the pipeline thread without a synchronization context, and every write on the pipeline thread.
    /// </summary>
    public abstract class SkyCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();

        /// <summary>Collects Core's verbose, debug and warning lines for the pipeline thread.</summary>
        internal QueuedLog Log { get; } = new QueuedLog();

        /// <summary>The cmdlet's logic, written against <see cref="ICmdletSink"/> so it can run without a runspace.</summary>
        internal abstract void Execute(ICmdletSink sink, CancellationToken cancellationToken);

        /// <summary>Work after the last pipeline record, for cmdlets that collect input first and act once (default: none).</summary>
        internal virtual void Complete(ICmdletSink sink, CancellationToken cancellationToken)
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

        /// <summary>Cancelled by Ctrl+C (StopProcessing).</summary>
        internal CancellationToken Cancellation => _cancellation.Token;

        /// <summary>Cancels work in flight.</summary>
        internal void Cancel() => _cancellation.Cancel();

        protected override void ProcessRecord() => Step(Invoke);

        protected override void EndProcessing() => Step(InvokeComplete);

        private void Step(Action<ICmdletSink> step)
        {
            try
            {
                step(new PSCmdletSink(this));
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Runs the logic for one pipeline record with the cmdlet's cancellation token.</summary>
        internal void Invoke(ICmdletSink sink) => Guarded(sink, Execute);

        /// <summary>Runs <see cref="Complete"/> the same way, once after the last record.</summary>
        internal void InvokeComplete(ICmdletSink sink) => Guarded(sink, Complete);

        private void Guarded(ICmdletSink sink, Action<ICmdletSink, CancellationToken> logic)
        {
            try
            {
                logic(sink, _cancellation.Token);
            }
            catch (Exception e) when (!(e is RuntimeException) && !(e is OperationCanceledException))
            {
                // Report, don't crash: a record with a stable id, a category and the hint; never a stack trace. The engine's
                // own exceptions (a stopped pipeline, a prompt the host cannot show, an Inquire answered "Halt") are
                // PowerShell's to report, as for any cmdlet; Core never throws them.
                Log.DrainTo(sink);
                sink.WriteError(ErrorMapping.From(e));
            }
            finally
            {
                Log.DrainTo(sink);
            }
        }

        protected override void StopProcessing() => Cancel();

        /// <summary>
        /// Runs async work on the thread pool and waits on the pipeline thread, draining Core's log lines
        /// into the streams as they arrive.
        /// </summary>
        internal T Run<T>(ICmdletSink sink, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        {
            var task = Task.Run(() => work(cancellationToken), cancellationToken);
            var handles = new WaitHandle[] { ((IAsyncResult)task).AsyncWaitHandle, Log.Queued };
            while (!task.IsCompleted)
            {
                WaitHandle.WaitAny(handles);
                Log.DrainTo(sink);
            }

            Log.DrainTo(sink);
            return task.GetAwaiter().GetResult();
        }

        /// <summary>Like <see cref="Run{T}"/>, and what the work emits (from any thread) is written to the output as it comes.</summary>
        internal T RunStreaming<T>(ICmdletSink sink, Func<Action<object>, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        {
            var emitted = new System.Collections.Concurrent.ConcurrentQueue<object>();
            void Emit(object value)
            {
                emitted.Enqueue(value);
                Log.Queued.Set();
            }

            void Drain()
            {
                while (emitted.TryDequeue(out var value))
                {
                    sink.WriteObject(value);
                }
            }

            var task = Task.Run(() => work(Emit, cancellationToken), cancellationToken);
            var handles = new WaitHandle[] { ((IAsyncResult)task).AsyncWaitHandle, Log.Queued };
            while (!task.IsCompleted)
            {
                WaitHandle.WaitAny(handles);
                Log.DrainTo(sink);
                Drain();
            }

            Log.DrainTo(sink);
            Drain();
            return task.GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _cancellation.Dispose();
            Log.Queued.Dispose();
        }
    }
}
