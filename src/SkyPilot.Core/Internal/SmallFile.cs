using System;
using System.IO;
using System.Text;

namespace SkyPilot.Core.Internal
{
    /// <summary>
    /// Reads small files whole (credentials, configs, state files) safely: only regular files are opened (a FIFO would
    /// block), and a file larger than the caller's bound is refused before it is read (a 150 MB "key" would otherwise
    /// take gigabytes of memory to parse).
    /// </summary>
    internal static class SmallFile
    {
        /// <summary>The bound for credential and key files: real ones are a few kilobytes.</summary>
        public const int MaxCredentialBytes = 1024 * 1024;

        /// <summary>The file's bytes, or null when it does not exist.</summary>
        /// <exception cref="FileTooLargeException">It is larger than <paramref name="maxBytes"/>.</exception>
        /// <exception cref="IOException">It is not a regular file, or cannot be read.</exception>
        public static byte[]? TryRead(string path, int maxBytes = MaxCredentialBytes)
        {
            var kind = FileEntry.Inspect(path);
            if (kind == FileEntryKind.Missing || kind == FileEntryKind.BrokenLink)
            {
                return null;
            }

            if (kind == FileEntryKind.Directory || kind == FileEntryKind.LinkToDirectory)
            {
                throw new IOException(path + " is a directory, not a file");
            }

            if (kind == FileEntryKind.Special)
            {
                throw new IOException(path + " is " + FileEntry.Describe(kind));
            }

            try
            {
                // Unbuffered: the whole file is read into one array anyway, and a 4 KB buffer per read was a quarter of its cost.
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1))
                {
                    if (stream.Length > maxBytes)
                    {
                        throw new FileTooLargeException(path, stream.Length, maxBytes);
                    }

                    var buffer = new byte[stream.Length];
                    var read = 0;
                    while (read < buffer.Length)
                    {
                        var n = stream.Read(buffer, read, buffer.Length - read);
                        if (n == 0)
                        {
                            Array.Resize(ref buffer, read); // it shrank while being read
                            break;
                        }

                        read += n;
                    }

                    return buffer;
                }
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return null;
            }
        }

        /// <summary>The file as text (UTF-8, or as its byte order mark says); throws when it does not exist.</summary>
        public static string ReadText(string path, int maxBytes)
        {
            var bytes = TryRead(path, maxBytes) ?? throw new FileNotFoundException("file not found: " + path, path);
            using (var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
            {
                return reader.ReadToEnd();
            }
        }
    }

    /// <summary>A file refused because it is larger than any file of its kind should be.</summary>
    internal sealed class FileTooLargeException : IOException
    {
        public FileTooLargeException(string path, long size, long limit)
            : base(path + " is " + Describe(size) + "; a file of this kind is at most " + Describe(limit) + ", so it was not read")
        {
            Path = path;
        }

        public string Path { get; }

        private static string Describe(long bytes) =>
            bytes >= 1024 * 1024 ? (bytes / (1024.0 * 1024)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " MB" : bytes + " bytes";
    }
}
