using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace SkyPilot.Core.Internal
{
    /// <summary>
    /// Files only their owner may read: created with mode 0600 (directories 0700) on Unix, an owner-only ACL on Windows,
    /// and replaced atomically (temp file in the same directory, then rename), so a crash never leaves a partial file.
    /// </summary>
    internal static class OwnerOnlyFile
    {
        /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="content"/>.</summary>
        public static void WriteAtomically(string path, string content)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            EnsureDirectory(directory);
            var temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            try
            {
                using (var stream = CreateOwnerOnly(temp))
                {
                    var bytes = new UTF8Encoding(false).GetBytes(content);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }

                if (File.Exists(path))
                {
                    File.Replace(temp, path, null);
                }
                else
                {
                    File.Move(temp, path);
                }
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }

        /// <summary>Creates the file only if it does not exist yet; false when it already existed.</summary>
        public static bool TryCreateNew(string path, byte[] content)
        {
            EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            try
            {
                using (var stream = CreateOwnerOnly(path))
                {
                    stream.Write(content, 0, content.Length);
                }

                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }

        public static void EnsureDirectory(string directory)
        {
            if (Directory.Exists(directory))
            {
                return;
            }

            Directory.CreateDirectory(directory);
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                SetUnixMode(directory, 0x1C0); // 0700
            }
        }

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
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }

            var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            WindowsOwnerOnlyAcl.Apply(new FileInfo(path));
            return stream;
#else
            var created = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                SetUnixMode(path, 0x180); // 0600, set before any content is written
            }

            return created;
#endif
        }

        private static void SetUnixMode(string path, int mode)
        {
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, (UnixFileMode)mode);
            }
#else
            if (chmod(path, mode) != 0)
            {
                throw new IOException("chmod " + Convert.ToString(mode, 8) + " failed for " + path);
            }
#endif
        }

#if !NET8_0_OR_GREATER
        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(string path, int mode);
#endif

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
    }
}
