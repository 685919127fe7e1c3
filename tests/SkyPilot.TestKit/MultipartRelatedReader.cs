using System.Text;

namespace SkyPilot.TestKit;

/// <summary>
/// A streaming reader for <c>multipart/related</c> bodies as Cloud Storage accepts them: lines may end in CRLF or a bare
/// LF (gcloud's Python email generator sends LF), and the boundary parameter may be quoted with " or '. Part bodies
/// are copied to a sink through one fixed buffer, so a large media part never sits in memory.
/// </summary>
internal sealed class MultipartRelatedReader
{
    private const int BufferSize = 256 * 1024;
    private readonly Stream _body;
    private readonly byte[] _delimiter;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _finished;

    public MultipartRelatedReader(Stream body, string boundary)
    {
        _body = body;
        _delimiter = Encoding.ASCII.GetBytes("\n--" + boundary);
        _buffer = new byte[BufferSize + _delimiter.Length + 2];

        // A virtual line break before the body, so a delimiter on the very first line is found like any other.
        _buffer[0] = (byte)'\n';
        _end = 1;
    }

    /// <summary>The boundary parameter of a Content-Type, with " or ' quotes removed; null when absent.</summary>
    public static string? Boundary(string? contentType)
    {
        if (contentType is null || !contentType.TrimStart().StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        foreach (var parameter in contentType.Split(';').Skip(1))
        {
            var eq = parameter.IndexOf('=');
            if (eq > 0 && parameter[..eq].Trim().Equals("boundary", StringComparison.OrdinalIgnoreCase))
            {
                var value = parameter[(eq + 1)..].Trim();
                if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
                {
                    value = value[1..^1];
                }

                return value.Length == 0 ? null : value;
            }
        }

        return null;
    }

    /// <summary>Skips the preamble (first call) and reads the next part's headers; null when the closing delimiter came.</summary>
    public async Task<Dictionary<string, string>?> NextPartAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return null;
        }

        if (!await CopyUntilDelimiterAsync(null, cancellationToken))
        {
            throw new InvalidDataException("multipart body ended before the boundary");
        }

        // After a delimiter: "--" closes the body; otherwise the rest of the line is padding.
        var line = await ReadLineAsync(cancellationToken) ?? throw new InvalidDataException("multipart body ended after a boundary");
        if (line.StartsWith("--", StringComparison.Ordinal))
        {
            _finished = true;
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            var header = await ReadLineAsync(cancellationToken) ?? throw new InvalidDataException("multipart part headers ended early");
            if (header.Length == 0)
            {
                return headers;
            }

            var colon = header.IndexOf(':');
            if (colon > 0)
            {
                headers[header[..colon].Trim()] = header[(colon + 1)..].Trim();
            }
        }
    }

    /// <summary>Copies the current part's body to <paramref name="sink"/>; returns its length.</summary>
    public async Task<long> CopyPartAsync(Stream sink, CancellationToken cancellationToken)
    {
        var counter = new CountingSink(sink);
        if (!await CopyUntilDelimiterAsync(counter, cancellationToken))
        {
            throw new InvalidDataException("multipart body ended inside a part");
        }

        // Leave the delimiter as if it had not been consumed: NextPartAsync expects to find one.
        // (The buffer still holds its bytes right before _start.)
        _start -= _delimiter.Length;
        return counter.Count;
    }

    /// <summary>Reads the current part as text, up to <paramref name="limit"/> bytes.</summary>
    public async Task<string> ReadPartAsStringAsync(int limit, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream();
        var counter = new CountingSink(memory, limit);
        await CopyPartAsync(counter, cancellationToken);
        return Encoding.UTF8.GetString(memory.GetBuffer(), 0, (int)memory.Length);
    }

    /// <summary>
    /// Copies bytes up to the next delimiter to the sink (null: discard) and consumes the delimiter. A CR right before the
    /// delimiter belongs to it. Returns false at end of stream without a delimiter.
    /// </summary>
    private async Task<bool> CopyUntilDelimiterAsync(Stream? sink, CancellationToken cancellationToken)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var found = span.IndexOf(_delimiter);
            if (found >= 0)
            {
                var contentEnd = found > 0 && span[found - 1] == (byte)'\r' ? found - 1 : found;
                if (sink is not null && contentEnd > 0)
                {
                    await sink.WriteAsync(_buffer.AsMemory(_start, contentEnd), cancellationToken);
                }

                _start += found + _delimiter.Length;
                return true;
            }

            if (_eof)
            {
                return false;
            }

            // Everything but a possible partial delimiter (and the CR before it) is content.
            var safe = Math.Max(0, span.Length - _delimiter.Length - 1);
            if (sink is not null && safe > 0)
            {
                await sink.WriteAsync(_buffer.AsMemory(_start, safe), cancellationToken);
            }

            _start += safe;
            await FillAsync(cancellationToken);
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var length = lf > 0 && span[lf - 1] == (byte)'\r' ? lf - 1 : lf;
                var line = Encoding.UTF8.GetString(span[..length]);
                _start += lf + 1;
                return line;
            }

            if (_eof)
            {
                if (span.Length == 0)
                {
                    return null;
                }

                _start = _end;
                return Encoding.UTF8.GetString(span);
            }

            if (span.Length >= BufferSize)
            {
                throw new InvalidDataException("multipart header line too long");
            }

            await FillAsync(cancellationToken);
        }
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await _body.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), cancellationToken);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    private sealed class CountingSink(Stream inner, long limit = long.MaxValue) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Count;

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Count += buffer.Length;
            if (Count > limit)
            {
                throw new InvalidDataException("multipart part larger than " + limit + " bytes");
            }

            await inner.WriteAsync(buffer, cancellationToken);
        }
    }
}
