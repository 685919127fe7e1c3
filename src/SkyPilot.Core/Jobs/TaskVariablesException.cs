using System;

namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// Envs or secrets that cannot be given to the task: a required value nobody supplied, an env file that cannot be
    /// read, a secret name not set in the environment. Never carries a secret's value.
    /// </summary>
    public sealed class TaskVariablesException : Exception
    {
        public TaskVariablesException(string errorId, string message, string hint, string? target, bool notFound = false)
            : base(message)
        {
            ErrorId = errorId;
            Hint = hint;
            Target = target;
            NotFound = notFound;
        }

        /// <summary><c>MissingTaskVariable</c>, <c>InvalidEnvFile</c> or <c>SecretNotInEnvironment</c>.</summary>
        public string ErrorId { get; }

        public string Hint { get; }

        public string? Target { get; }

        /// <summary>The env file does not exist.</summary>
        public bool NotFound { get; }
    }
}
