namespace SkyPilot.Core.Jobs
{
    /// <summary>
    /// Envs or secrets that cannot be given to the task: a required value nobody supplied, an env file that cannot be
    /// read, a secret name not set in the environment. Never carries a secret's value.
    /// </summary>
    public sealed class TaskVariablesException : SkyException
    {
        private readonly string _errorId;
        private readonly string _hint;
        private readonly string? _target;

        public TaskVariablesException(string errorId, string message, string hint, string? target, bool notFound = false)
            : base(message)
        {
            _errorId = errorId;
            _hint = hint;
            _target = target;
            NotFound = notFound;
        }

        /// <summary><c>MissingTaskVariable</c>, <c>InvalidEnvFile</c> or <c>SecretNotInEnvironment</c>.</summary>
        public override string ErrorId => _errorId;

        public override SkyErrorKind Kind => NotFound ? SkyErrorKind.NotFound : SkyErrorKind.InvalidArgument;

        public override string Hint => _hint;

        public override object? Target => _target;

        /// <summary>The env file does not exist.</summary>
        public bool NotFound { get; }
    }
}
