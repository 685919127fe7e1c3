#if NET8_0_OR_GREATER
using System.IO;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace SkyPilot.Core.Internal
{
    /// <summary>Replaces a file's inherited ACL with one rule: full control for the current user.</summary>
    internal static class WindowsOwnerOnlyAcl
    {
        [SupportedOSPlatform("windows")]
        public static void Apply(FileInfo file)
        {
            var security = new FileSecurity();
            security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
            var user = WindowsIdentity.GetCurrent().User!;
            security.SetOwner(user);
            security.AddAccessRule(new FileSystemAccessRule(user, FileSystemRights.FullControl, AccessControlType.Allow));
            file.SetAccessControl(security);
        }
    }
}
#endif
