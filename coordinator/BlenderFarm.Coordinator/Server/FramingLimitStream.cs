using System.Globalization;
using System.Text;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// Passes a client's bytes on to the JSON-RPC reader only while they follow the limits: each header (up to the blank
/// line) at most <c>headerBytes</c>, each Content-Length at most what <c>bodyLimit</c> allows at that moment. Every
/// byte is looked at once, so a huge header costs linear time and no memory; a violation fails the read, which closes
/// the connection before the reader buffers anything. Writes go straight through.
/// </summary>
internal sealed class FramingLimitStream(Stream inner, int headerBytes, Func<long> bodyLimit) : Stream
{
    private readonly byte[] _header = new byte[headerBytes];
    private int _headerLength;
    private long _bodyLeft;

    public override bool CanRead => true;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Check(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Check((await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) is var read ? buffer.Span[..read] : default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

    private int Check(ReadOnlySpan<byte> read)
    {
        var i = 0;
        while (i < read.Length)
        {
            if (_bodyLeft > 0)
            {
                var skip = (int)Math.Min(_bodyLeft, read.Length - i);
                _bodyLeft -= skip;
                i += skip;
                continue;
            }

            if (_headerLength == _header.Length)
            {
                throw new IOException($"An RPC message header is longer than {_header.Length} bytes.");
            }

            _header[_headerLength++] = read[i++];
            if (_headerLength >= 4 && _header.AsSpan(_headerLength - 4, 4).SequenceEqual("\r\n\r\n"u8))
            {
                _bodyLeft = BodyLength();
                _headerLength = 0;
            }
        }

        return read.Length;
    }

    private long BodyLength()
    {
        const string name = "Content-Length:";
        var limit = bodyLimit();
        foreach (var line in Encoding.ASCII.GetString(_header, 0, _headerLength).Split("\r\n"))
        {
            if (line.StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                var text = line[name.Length..].Trim();
                return text.Length <= 19 && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length <= limit
                    ? length
                    : throw new IOException($"An RPC message body of '{text}' bytes is over this connection's limit of {limit} bytes.");
            }
        }

        return 0; // No Content-Length: the JSON-RPC reader refuses the message itself.
    }
}
