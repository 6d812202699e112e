using System.Buffers;

namespace Resilience;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that fills a list of chunks instead of one growing array, and refuses
/// to hold more than a limit. A growing array (<see cref="MemoryStream"/>, <see cref="ArrayBufferWriter{T}"/>)
/// holds its old and new buffers at once while it doubles, so refusing input at a limit of L costs up to 3L;
/// chunks are never copied while filling, and they are capped so their total capacity stays at most L + 1
/// (plus what one oversized <see cref="GetSpan"/> request asks for).
/// </summary>
internal sealed class BoundedBufferWriter : IBufferWriter<byte>
{
    private const int MinChunkBytes = 64 * 1024;
    private const int MaxChunkBytes = 1024 * 1024;
    private readonly List<(byte[] Chunk, int Used)> _full = [];
    private readonly long _limit;
    private readonly Func<long, Exception> _overflow;
    private byte[] _chunk;
    private int _used;

    /// <param name="limit">The most bytes the writer accepts; writing more throws the exception <paramref name="overflow"/> makes.</param>
    /// <param name="initialCapacity">The first chunk's size, when the final size is (probably) known; capped at the limit.</param>
    /// <param name="overflow">Makes the exception thrown when more than <paramref name="limit"/> bytes are written.</param>
    public BoundedBufferWriter(long limit, long initialCapacity, Func<long, Exception> overflow)
    {
        _limit = Math.Min(limit, Array.MaxLength - 1);
        _overflow = overflow;
        _chunk = initialCapacity > 0 ? GC.AllocateUninitializedArray<byte>((int)Math.Min(initialCapacity, _limit + 1)) : [];
    }

    /// <summary>Gets the bytes written so far.</summary>
    public long WrittenCount { get; private set; }

    /// <summary>Gets a value indicating whether the current chunk has room left (so writing needs no new chunk).</summary>
    public bool HasFreeSpace => _used < _chunk.Length;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _chunk.Length - _used)
        {
            throw new InvalidOperationException("advanced past the end of the buffer");
        }

        _used += count;
        WrittenCount += count;
        if (WrittenCount > _limit)
        {
            throw _overflow(_limit);
        }
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _chunk.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _chunk.AsSpan(_used);
    }

    /// <summary>Copies what was written into one array of the exact size (none when the first chunk is exactly full).</summary>
    public byte[] ToArray()
    {
        if (_full.Count == 0 && _used == _chunk.Length)
        {
            return _chunk;
        }

        var result = GC.AllocateUninitializedArray<byte>(checked((int)WrittenCount));
        var offset = 0;
        foreach (var (chunk, used) in _full)
        {
            chunk.AsSpan(0, used).CopyTo(result.AsSpan(offset));
            offset += used;
        }

        _chunk.AsSpan(0, _used).CopyTo(result.AsSpan(offset));
        return result;
    }

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_chunk.Length - _used >= sizeHint)
        {
            return;
        }

        if (_used > 0)
        {
            _full.Add((_chunk, _used));
        }

        // Grow with what was written (about doubling) up to 1 MiB chunks, but never past limit + 1 in total:
        // one byte over the limit is enough to know the input is too large.
        var room = (_limit + 1) - WrittenCount;
        var size = Math.Clamp(WrittenCount, MinChunkBytes, MaxChunkBytes);
        size = Math.Max(sizeHint, Math.Min(size, room));
        _chunk = GC.AllocateUninitializedArray<byte>((int)Math.Min(size, Array.MaxLength));
        _used = 0;
    }
}
