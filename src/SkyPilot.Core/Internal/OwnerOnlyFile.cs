using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace SkyPilot.Core.Internal
{
    /// <summary>
    /// Files only their owner may read, written atomically: the content goes to a temp file beside the target that no
    /// other user can open at any moment of its life, is flushed to disk, and then takes the target's place in one
    /// rename, so readers and crashes see the old file or the new one, never a partial one. Directories made for them
    /// are 0700 on Unix.
    /// <list type="bullet">
    /// <item>Unix, net8.0: the temp file is created with mode 0600 (open(2) is given the mode) and renamed over the
    /// target (rename(2) keeps the temp's mode, not the replaced file's).</item>
    /// <item>Windows, net8.0: the temp file gets an owner-only ACL before anything is written (no other process can open
    /// it meanwhile: it is opened with no sharing), and is moved over the target with MoveFileEx, which keeps the temp's
    /// ACL, not the replaced file's.</item>
    /// <item>Windows, netstandard2.0 (Windows PowerShell 5.1, the only host that loads this build: the module refuses
    /// PowerShell 7.0–7.3) — a known limitation: no ACL is set.
    /// A new file gets the ACL its directory passes on (for a folder in the user profile: the user, SYSTEM and
    /// Administrators), and an existing file is replaced with File.Replace (ReplaceFile), which keeps the replaced file's
    /// ACL, whatever it is. Setting one needs the System.IO.FileSystem.AccessControl package, whose netstandard2.0 runtime
    /// assembly only throws PlatformNotSupportedException; the module's Dependencies/netstandard2.0 folder would have to
    /// ship its Windows (runtimes/win or net461) assemblies instead.</item>
    /// </list>
    /// libc is called only on Unix.
    /// </summary>
    internal static class OwnerOnlyFile
    {
        private const int OwnerOnlyDirectoryMode = 0x1C0; // 0700
        private const int BufferSize = 65536;

        /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="content"/> (UTF-8, no BOM).</summary>
        public static void WriteAtomically(string path, string content)
        {
            var bytes = new UTF8Encoding(false).GetBytes(content);
            WriteAtomically(path, stream => stream.Write(bytes, 0, bytes.Length));
        }

        /// <summary>
        /// Atomically replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given
        /// (buffered; flushed to disk afterwards; it may be left open or disposed, e.g. by a writer wrapped around it).
        /// </summary>
        public static void WriteAtomically(string path, Action<Stream> write) => WriteAtomically(path, write, durable: true);

        /// <summary>As <see cref="WriteAtomically(string, Action{Stream})"/>, optionally without flushing to disk.</summary>
        /// <param name="path">The file to replace.</param>
        /// <param name="write">Writes the new content.</param>
        /// <param name="durable">False for files that can be rebuilt (the check cache): the content is not flushed to the
        /// disk before the rename, which costs milliseconds per write under contention. A killed process still leaves the
        /// old file or the new one; only a power loss may leave an empty file, which the reader treats as damaged.</param>
        public static void WriteAtomically(string path, Action<Stream> write, bool durable)
        {
            Write(path, write, overwrite: true, durable);
        }

        /// <summary>
        /// Creates <paramref name="path"/> with <paramref name="content"/>, atomically, only if it does not exist yet:
        /// false, with the file untouched, when it already exists (another process won a race). A reader never sees the
        /// file partially written.
        /// </summary>
        public static bool TryCreateAtomically(string path, byte[] content)
        {
            return Write(path, stream => stream.Write(content, 0, content.Length), overwrite: false);
        }

        public static void EnsureDirectory(string directory)
        {
            if (Directory.Exists(directory))
            {
                return;
            }

            Directory.CreateDirectory(directory);
            if (!IsWindows)
            {
                SetUnixMode(directory, OwnerOnlyDirectoryMode);
            }
        }

        /// <summary>
        /// Takes group and other users' access away from an existing directory on Unix (0700), e.g. a credentials
        /// directory another tool created 0755. False when it could not be changed (not the owner).
        /// </summary>
        public static bool RestrictDirectory(string directory)
        {
            if (IsWindows)
            {
                return true;
            }

            try
            {
                SetUnixMode(directory, OwnerOnlyDirectoryMode);
                return true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>
        /// Deletes temp files (and the private staging directories of earlier versions) that writes of
        /// <paramref name="path"/> left behind when their process was killed: names of our own making only, older than
        /// <paramref name="olderThan"/>. Never throws. Returns how many were removed.
        /// </summary>
        public static int ReclaimStaleTemps(string path, TimeSpan olderThan)
        {
            var target = Path.GetFullPath(path);
            var directory = Path.GetDirectoryName(target)!;
            var name = Path.GetFileName(target);
            var removed = 0;
            try
            {
                var cutoff = DateTime.UtcNow - olderThan;
                foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "." + name + ".*.tmp"))
                {
                    if (!StagingFile.IsOurs(Path.GetFileName(entry), name) || File.GetLastWriteTimeUtc(entry) > cutoff)
                    {
                        continue;
                    }

                    try
                    {
                        if (Directory.Exists(entry) && (File.GetAttributes(entry) & FileAttributes.ReparsePoint) == 0)
                        {
                            Directory.Delete(entry, recursive: true);
                        }
                        else
                        {
                            File.Delete(entry);
                        }

                        removed++;
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }

            return removed;
        }

        private static bool Write(string path, Action<Stream> write, bool overwrite, bool durable = true)
        {
            var target = Path.GetFullPath(path);
            var directory = Path.GetDirectoryName(target)!;
            EnsureDirectory(directory);
            var staging = StagingFile.Create(directory, Path.GetFileName(target));
            try
            {
                using (var stream = CreateOwnerOnly(staging.Path))
                {
                    write(stream);
                    if (stream.CanWrite)
                    {
                        stream.Flush(flushToDisk: durable);
                    }
                    else if (durable)
                    {
                        FlushToDisk(staging.Path); // a writer wrapped around the stream closed it
                    }
                }

                if (overwrite)
                {
                    Replace(staging.Path, target);
                    return true;
                }

                return TryPlaceNew(staging.Path, target);
            }
            finally
            {
                staging.Clean();
            }
        }

        /// <summary>Creates the file, owner-only before a byte is written; the stream is disposed if that fails.</summary>
        private static FileStream CreateOwnerOnly(string path)
        {
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                return new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    BufferSize = BufferSize,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }

            var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize);
            try
            {
                WindowsOwnerOnlyAcl.Apply(new FileInfo(path));
                return stream;
            }
            catch
            {
                stream.Dispose();
                throw;
            }
#else
            if (!IsWindows)
            {
                // This build cannot give a new file a mode: it would be created as the umask allows (often world-readable).
                throw new PlatformNotSupportedException("the netstandard2.0 build writes files on Windows PowerShell 5.1 only");
            }

            return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize);
#endif
        }

        private static void FlushToDisk(string path)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                stream.Flush(flushToDisk: true);
            }
        }

        /// <summary>Renames <paramref name="temp"/> over <paramref name="target"/> in one step.</summary>
        private static void Replace(string temp, string target)
        {
#if NET8_0_OR_GREATER
            // rename(2) on Unix, MoveFileEx(MOVEFILE_REPLACE_EXISTING) on Windows: the temp's mode or ACL is what stays.
            File.Move(temp, target, overwrite: true);
#else
            // Windows PowerShell 5.1: ReplaceFile keeps the replaced file's ACL (see the class comment).
            if (File.Exists(target))
            {
                File.Replace(temp, target, null);
            }
            else
            {
                File.Move(temp, target);
            }
#endif
        }

        /// <summary>Moves <paramref name="temp"/> to <paramref name="target"/> unless the target exists: false then.</summary>
        private static bool TryPlaceNew(string temp, string target)
        {
            if (!IsWindows)
            {
                // link(2) fails with EEXIST instead of replacing; File.Move checks first and renames, which two processes
                // can both pass. The temp name is removed afterwards (StagingFile.Clean).
                if (Libc.link(temp, target) == 0)
                {
                    return true;
                }

                var errno = Marshal.GetLastWin32Error();
                if (errno == Libc.EEXIST)
                {
                    return false;
                }

                // A file system without hard links: the check-then-rename of File.Move is the best left.
            }

            try
            {
                File.Move(temp, target); // MoveFileEx without MOVEFILE_REPLACE_EXISTING on Windows: atomic, fails if it exists
                return true;
            }
            catch (IOException) when (File.Exists(target))
            {
                return false;
            }
        }

        private static void SetUnixMode(string path, int mode)
        {
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, (UnixFileMode)mode);
            }
#else
            throw new PlatformNotSupportedException("the netstandard2.0 build runs on Windows PowerShell 5.1 only");
#endif
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }
        }

        /// <summary>Where a write is staged: a temp file beside the target.</summary>
        private sealed class StagingFile
        {
            private StagingFile(string path)
            {
                Path = path;
            }

            public string Path { get; }

            /// <summary>True for <c>.NAME.XXXXXXXX.tmp</c> with eight hex digits: a temp name <see cref="Create"/> makes.</summary>
            public static bool IsOurs(string entryName, string name)
            {
                var prefix = "." + name + ".";
                if (entryName.Length != prefix.Length + 8 + 4 || !entryName.StartsWith(prefix, StringComparison.Ordinal) || !entryName.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    return false;
                }

                for (var i = prefix.Length; i < prefix.Length + 8; i++)
                {
                    var c = entryName[i];
                    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                    {
                        return false;
                    }
                }

                return true;
            }

            public static StagingFile Create(string directory, string name)
            {
                var unique = System.IO.Path.Combine(directory, "." + name + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
                return new StagingFile(unique);
            }

            /// <summary>Removes what is left (nothing after a successful rename), never throwing.</summary>
            public void Clean() => TryDelete(Path);
        }

        /// <summary>libc, called only on Unix (never on Windows, which has none).</summary>
        private static class Libc
        {
            /// <summary>"File exists": 17 on Linux, macOS and the BSDs.</summary>
            public const int EEXIST = 17;

            [DllImport("libc", SetLastError = true)]
            public static extern int link(string existingPath, string newPath);
        }
    }
}
