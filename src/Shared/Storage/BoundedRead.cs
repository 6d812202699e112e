namespace Resilience.Storage;

/// <summary>Reads an object body up to a limit (shared source): a larger object is an error, never a truncation.</summary>
/// <remarks>
/// The body fills chunks that are never copied while reading (a growing <see cref="MemoryStream"/> holds its old and
/// new buffers at once, about 3x the limit while refusing an object), capped so their total stays within limit + 1.
/// </remarks>
internal static class BoundedRead
{
    private const int MinChunkBytes = 64 * 1024;
    private const int MaxChunkBytes = 1024 * 1024;

    public static async Task<byte[]> ReadAsync(Stream stream, long maxBytes, string key, CancellationToken cancellationToken)
    {
        var limit = Math.Min(maxBytes, Array.MaxLength - 1);
        var chunks = new List<byte[]>();
        var chunk = Array.Empty<byte>();
        var used = 0;
        long total = 0;
        while (true)
        {
            if (used == chunk.Length)
            {
                if (chunk.Length > 0)
                {
                    chunks.Add(chunk);
                }

                var size = Math.Min(Math.Clamp(total, MinChunkBytes, MaxChunkBytes), limit + 1 - total);
                chunk = GC.AllocateUninitializedArray<byte>((int)size);
                used = 0;
            }

            var read = await stream.ReadAsync(chunk.AsMemory(used), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            used += read;
            total += read;
            if (total > limit)
            {
                throw new FallbackStoreException($"{key} is over the limit of {maxBytes} bytes");
            }
        }

        var result = GC.AllocateUninitializedArray<byte>((int)total);
        var offset = 0;
        foreach (var full in chunks)
        {
            full.CopyTo(result, offset);
            offset += full.Length;
        }

        chunk.AsSpan(0, used).CopyTo(result.AsSpan(offset));
        return result;
    }
}
