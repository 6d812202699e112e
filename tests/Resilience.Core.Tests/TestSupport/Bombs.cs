using System.IO.Compression;
using System.Text;

namespace Resilience.Tests;

/// <summary>Hostile inputs built once: gzip streams that expand far beyond their size.</summary>
public static class Bombs
{
    private static readonly Lazy<byte[]> ZerosBomb = new(() => Gzip(writer => WriteRepeated(writer, 0, 64L * 1024 * 1024)));
    private static readonly Lazy<byte[]> ScalarYamlBomb = new(() => Gzip(writer =>
    {
        writer.Write("name: bomb\nblob: \""u8);
        WriteRepeated(writer, (byte)'x', 200L * 1000 * 1000);
        writer.Write("\"\n"u8);
    }));

    /// <summary>Gets 64 MiB of zeros, gzipped (about 64 KB).</summary>
    public static byte[] Zeros64MiB => ZerosBomb.Value;

    /// <summary>Gets a YAML document holding one 200 MB scalar, gzipped (about 200 KB).</summary>
    public static byte[] YamlWith200MBScalar => ScalarYamlBomb.Value;

    public static byte[] Gzip(Action<Stream> write)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            write(gzip);
        }

        return output.ToArray();
    }

    public static byte[] Gzip(byte[] content) => Gzip(s => s.Write(content));

    public static byte[] Gzip(string content) => Gzip(Encoding.UTF8.GetBytes(content));

    private static void WriteRepeated(Stream stream, byte value, long count)
    {
        var block = new byte[1 << 20];
        Array.Fill(block, value);
        for (long written = 0; written < count; written += block.Length)
        {
            stream.Write(block, 0, (int)Math.Min(block.Length, count - written));
        }
    }
}

/// <summary>An endless stream of zeros: a store body far over any limit, with no backing buffer.</summary>
public sealed class EndlessStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        buffer.Clear();
        return buffer.Length;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
