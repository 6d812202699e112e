namespace Resilience.Storage;

/// <summary>Reads an object body up to a limit (shared source): a larger object is an error, never a truncation.</summary>
internal static class BoundedRead
{
    public static async Task<byte[]> ReadAsync(Stream stream, long maxBytes, string key, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new FallbackStoreException($"{key} is over the limit of {maxBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
