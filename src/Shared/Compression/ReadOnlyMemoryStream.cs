using System.Runtime.InteropServices;

namespace Resilience;

/// <summary>A read-only, seekable stream over <see cref="ReadOnlyMemory{T}"/> without copying it.</summary>
internal sealed class ReadOnlyMemoryStream : Stream
{
    private readonly ReadOnlyMemory<byte> _content;
    private int _position;

    public ReadOnlyMemoryStream(ReadOnlyMemory<byte> content) => _content = content;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _content.Length;

    public override long Position
    {
        get => _position;
        set => _position = (int)Math.Clamp(value, 0, _content.Length);
    }

    public static Stream Create(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new ReadOnlyMemoryStream(content);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var remaining = _content.Span[_position..];
        var n = Math.Min(remaining.Length, buffer.Length);
        remaining[..n].CopyTo(buffer);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _content.Length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
