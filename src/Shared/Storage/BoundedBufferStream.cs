namespace Resilience.Storage;

/// <summary>
/// The destination of a download: collects bytes up to a limit and fails past it, so an object that grew
/// between its metadata and its content is an error, never a truncation or an unbounded buffer.
/// </summary>
internal sealed class BoundedBufferStream(long maxBytes, string key) : MemoryStream
{
    public override void Write(byte[] buffer, int offset, int count)
    {
        EnsureRoom(count);
        base.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureRoom(buffer.Length);
        base.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        EnsureRoom(count);
        return base.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureRoom(buffer.Length);
        return base.WriteAsync(buffer, cancellationToken);
    }

    public override void WriteByte(byte value)
    {
        EnsureRoom(1);
        base.WriteByte(value);
    }

    private void EnsureRoom(int count)
    {
        if (Length + count > maxBytes)
        {
            throw new ObjectTooLargeException($"{key} is over the limit of {maxBytes} bytes");
        }
    }
}

/// <summary>Thrown by <see cref="BoundedBufferStream"/> (an <see cref="IOException"/>, which client libraries pass through from a destination stream); <see cref="StoreErrors"/> makes it a permanent <see cref="FallbackStoreException"/>.</summary>
internal sealed class ObjectTooLargeException(string message) : IOException(message);
