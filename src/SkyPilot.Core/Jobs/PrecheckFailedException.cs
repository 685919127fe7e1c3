using System;
using System.Collections.Generic;
using System.Linq;

namespace SkyPilot.Core.Jobs
{
    /// <summary>The job cannot start for the current identity: nothing was uploaded and nothing was submitted.</summary>
    public sealed class PrecheckFailedException : SkyException
    {
        public PrecheckFailedException(IReadOnlyList<PrecheckItem> items)
            : base(Describe(items))
        {
            Items = items;
        }

        public IReadOnlyList<PrecheckItem> Items { get; }

        public IEnumerable<PrecheckItem> Failures => Items.Where(i => !i.Passed && !i.Unverified);

        /// <summary>True when no failure was a denial: every failed check could not reach the service it asks.</summary>
        public bool CouldNotCheck => Failures.All(f => f.CouldNotCheck);

        /// <summary>Every failed requirement's fix, one per line.</summary>
        public override string ErrorId => CouldNotCheck ? "PrecheckUnreachable" : "PrecheckFailed";

        public override SkyErrorKind Kind => CouldNotCheck ? SkyErrorKind.Unreachable : SkyErrorKind.PermissionDenied;

        public override string Hint => string.Join(Environment.NewLine, Failures.Where(f => f.Hint != null).Select(f => f.Requirement + ": " + f.Hint).Distinct());

        private static string Describe(IReadOnlyList<PrecheckItem> items)
        {
            var failures = items.Where(i => !i.Passed && !i.Unverified).ToList();
            var lines = failures.Select(f => "  - " + f.Requirement + (f.Identity is null ? string.Empty : " for " + f.Identity.DisplayName) + ": " + f.Reason);
            return "The job cannot start: " + failures.Count + " precheck(s) failed. Nothing was uploaded and nothing was submitted." + Environment.NewLine + string.Join(Environment.NewLine, lines);
        }
    }
}
