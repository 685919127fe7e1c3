using System;
using SkyPilot.Core.Http;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>
    /// The exception of an error record that is not a Core failure (a failed job, a path that matched nothing, a foreign
    /// exception): its redacted message only, never an inner exception.
    /// </summary>
    public sealed class SkyOperationException : Exception
    {
        public SkyOperationException(string message)
            : base(Redactor.Redact(message))
        {
        }
    }
}
