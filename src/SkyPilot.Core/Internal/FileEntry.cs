using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SkyPilot.Core.Internal
{
    /// <summary>What a directory entry is, looking through a symbolic link.</summary>
    internal enum FileEntryKind
    {
        Missing,
        RegularFile,
        Directory,
        LinkToFile,
        LinkToDirectory,

        /// <summary>A symbolic link whose target does not exist, or a loop of links.</summary>
        BrokenLink,

        /// <summary>A FIFO, socket or device (or a link to one): opening it may block forever, so it is never opened.</summary>
        Special,
    }

    /// <summary>
    /// Classifies a path without opening it. .NET reports a FIFO, a socket or a device as an ordinary file, and opening
    /// a FIFO for reading blocks until someone writes to it, so on Unix the file type comes from lstat/stat as exported
    /// by the runtime's own native library (its <c>FileStatus</c> puts the mode at offset 4 in every version).
    /// </summary>
    internal static class FileEntry
    {
        private const int TypeMask = 0xF000;
        private const int TypeFifo = 0x1000;
        private const int TypeCharDevice = 0x2000;
        private const int TypeDirectory = 0x4000;
        private const int TypeBlockDevice = 0x6000;
        private const int TypeRegular = 0x8000;
        private const int TypeLink = 0xA000;
        private const int TypeSocket = 0xC000;

        private static bool _nativeUnavailable;

        public static FileEntryKind Inspect(string path)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && !_nativeUnavailable)
            {
                try
                {
                    return InspectUnix(path);
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                    _nativeUnavailable = true;
                }
            }

            return InspectManaged(path);
        }

        /// <summary>The path to read for a link to a file: its final target, so the size planned is the size read.</summary>
        public static string Resolve(string path)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && !_nativeUnavailable)
            {
                try
                {
                    var resolved = Native.realpath(path, IntPtr.Zero);
                    if (resolved != IntPtr.Zero)
                    {
                        try
                        {
                            return Marshal.PtrToStringAnsi(resolved) ?? path;
                        }
                        finally
                        {
                            Native.free(resolved);
                        }
                    }
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                }
            }
#if NET8_0_OR_GREATER
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
#else
            return path;
#endif
        }

        private static FileEntryKind InspectUnix(string path)
        {
            var own = Mode(path, follow: false);
            if (own is null)
            {
                return FileEntryKind.Missing;
            }

            switch (own.Value & TypeMask)
            {
                case TypeRegular:
                    return FileEntryKind.RegularFile;
                case TypeDirectory:
                    return FileEntryKind.Directory;
                case TypeLink:
                    var target = Mode(path, follow: true);
                    if (target is null)
                    {
                        return FileEntryKind.BrokenLink;
                    }

                    var type = target.Value & TypeMask;
                    return type == TypeRegular ? FileEntryKind.LinkToFile : type == TypeDirectory ? FileEntryKind.LinkToDirectory : FileEntryKind.Special;
                default:
                    return FileEntryKind.Special;
            }
        }

        private static int? Mode(string path, bool follow)
        {
            // Larger than any version of the runtime's FileStatus.
            var buffer = new byte[512];
            var rc = follow ? Native.SystemNative_Stat(path, buffer) : Native.SystemNative_LStat(path, buffer);
            return rc == 0 ? BitConverter.ToInt32(buffer, 4) : (int?)null;
        }

        private static FileEntryKind InspectManaged(string path)
        {
            FileAttributes attributes;
            try
            {
                attributes = File.GetAttributes(path);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return FileEntryKind.Missing;
            }

            var isDirectory = (attributes & FileAttributes.Directory) != 0;
            if ((attributes & FileAttributes.ReparsePoint) == 0)
            {
                return isDirectory ? FileEntryKind.Directory : FileEntryKind.RegularFile;
            }

            if (isDirectory)
            {
                return Directory.Exists(path) ? FileEntryKind.LinkToDirectory : FileEntryKind.BrokenLink;
            }

            try
            {
                using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
                {
                    return FileEntryKind.LinkToFile;
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return FileEntryKind.BrokenLink;
            }
        }

        /// <summary>A short description of why an entry of this kind is not read, for warnings.</summary>
        public static string Describe(FileEntryKind kind)
        {
            switch (kind)
            {
                case FileEntryKind.BrokenLink:
                    return "a symbolic link whose target does not exist (or a loop of links)";
                case FileEntryKind.LinkToDirectory:
                    return "a symbolic link to a directory (directory links are not followed)";
                case FileEntryKind.Special:
                    return "not a regular file (a FIFO, socket or device)";
                case FileEntryKind.Missing:
                    return "gone";
                default:
                    return kind.ToString();
            }
        }

        private static class Native
        {
            [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true, CharSet = CharSet.Ansi)]
            public static extern int SystemNative_Stat(string path, byte[] output);

            [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true, CharSet = CharSet.Ansi)]
            public static extern int SystemNative_LStat(string path, byte[] output);

            [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
            public static extern IntPtr realpath(string path, IntPtr resolved);

            [DllImport("libc")]
            public static extern void free(IntPtr pointer);
        }
    }
}
