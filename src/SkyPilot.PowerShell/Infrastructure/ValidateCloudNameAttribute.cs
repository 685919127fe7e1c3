using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using SkyPilot.Core;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>Rejects unknown cloud names at binding time with a message that lists the valid ones.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateCloudNameAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var message = Check(arguments);
            if (message != null)
            {
                throw new ValidationMetadataException(message);
            }
        }

        /// <summary>Null when every name is a known cloud; otherwise the error message.</summary>
        internal static string? Check(object? arguments)
        {
            var values = arguments is string single
                ? new[] { single }
                : (arguments as IEnumerable)?.Cast<object?>().Select(o => o?.ToString() ?? string.Empty).ToArray() ?? new[] { arguments?.ToString() ?? string.Empty };
            var unknown = values.Where(v => KnownClouds.Normalize(v) is null).ToList();
            return unknown.Count == 0
                ? null
                : "Unknown cloud " + string.Join(", ", unknown.Select(u => "'" + u + "'")) + ". Valid clouds: " + string.Join(", ", KnownClouds.All) + ".";
        }
    }
}
