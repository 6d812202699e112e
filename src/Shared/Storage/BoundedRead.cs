namespace Resilience.Storage;

/// <summary>Reads an object body up to a limit (shared source): a larger object is an error, never a truncation.</summary>
/// <remarks>
/// The body fills <see cref="BoundedBufferWriter"/> chunks that are never copied while reading (a growing
/// <see cref="MemoryStream"/> holds its old and new buffers at once, about 3x the limit while refusing an object),
/// capped so their total stays within limit + 1.
/// </remarks>
internal static class BoundedRead
{
    public static async Task<byte[]> ReadAsync(Stream stream, long maxBytes, string key, CancellationToken cancellationToken)
    {
        var output = new BoundedBufferWriter(maxBytes, initialCapacity: 0, _ => new FallbackStoreException($"{key} is over the limit of {maxBytes} bytes"));
        while (true)
        {
            var read = await stream.ReadAsync(output.GetMemory(), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return output.ToArray();
            }

            output.Advance(read);
        }
    }
}
