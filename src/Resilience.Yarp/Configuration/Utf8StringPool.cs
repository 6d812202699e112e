using System.Text;

namespace Resilience.Yarp;

/// <summary>
/// One string per distinct short UTF-8 value within one parse: a 20,000-route document repeats cluster ids, methods,
/// header names, metadata keys, transform names and policies tens of thousands of times, and YARP keeps every one
/// of them for as long as the configuration is served. Looked up by the UTF-8 bytes themselves, so a repeated value
/// costs a hash and a compare instead of a decode and an allocation. Not thread-safe: one pool per parse.
/// </summary>
internal sealed class Utf8StringPool
{
    /// <summary>Longer values are rarely repeated (paths, descriptions) and are decoded as they are.</summary>
    internal const int MaxPooledLength = 96;

    /// <summary>Bounds the pool on a hostile document of many distinct values; past it values are decoded unpooled.</summary>
    internal const int MaxEntries = 1 << 16;

    private int[] _buckets = new int[1024];
    private Entry[] _entries = new Entry[1024];
    private byte[] _bytes = new byte[16 * 1024];
    private int _count;
    private int _bytesUsed;

    /// <summary>Gets a scratch list for the entries of the map being read (maps hold strings only, so one is enough per parse).</summary>
    public List<KeyValuePair<string, string>> MapEntries { get; } = [];

    /// <summary>Gets the string for <paramref name="utf8"/>, the same instance for the same bytes.</summary>
    /// <param name="utf8">The value's UTF-8 bytes, unescaped.</param>
    /// <returns>The string.</returns>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 0)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxPooledLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var hash = Hash(utf8);
        for (var i = _buckets[hash & (_buckets.Length - 1)] - 1; i >= 0; i = _entries[i].Next)
        {
            ref var entry = ref _entries[i];
            if (entry.Hash == hash && utf8.SequenceEqual(_bytes.AsSpan(entry.Offset, entry.Length)))
            {
                return entry.Value;
            }
        }

        var value = Encoding.UTF8.GetString(utf8);
        if (_count < MaxEntries)
        {
            Add(hash, utf8, value);
        }

        return value;
    }

    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        var hash = default(HashCode);
        hash.AddBytes(utf8);
        return hash.ToHashCode();
    }

    private void Add(int hash, ReadOnlySpan<byte> utf8, string value)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
            Rehash(_entries.Length);
        }

        if (_bytesUsed + utf8.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _bytesUsed + utf8.Length));
        }

        utf8.CopyTo(_bytes.AsSpan(_bytesUsed));
        ref var bucket = ref _buckets[hash & (_buckets.Length - 1)];
        _entries[_count] = new Entry { Hash = hash, Offset = _bytesUsed, Length = utf8.Length, Value = value, Next = bucket - 1 };
        bucket = ++_count;
        _bytesUsed += utf8.Length;
    }

    private void Rehash(int size)
    {
        _buckets = new int[size];
        for (var i = 0; i < _count; i++)
        {
            ref var bucket = ref _buckets[_entries[i].Hash & (size - 1)];
            _entries[i].Next = bucket - 1;
            bucket = i + 1;
        }
    }

    private struct Entry
    {
        public int Hash;
        public int Offset;
        public int Length;
        public int Next;
        public string Value;
    }
}
