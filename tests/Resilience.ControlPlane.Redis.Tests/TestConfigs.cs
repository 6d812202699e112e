using System.IO.Compression;
using System.Text;

namespace Resilience.ControlPlane.Redis.Tests;

/// <summary>Backplane configurations built as a publishing replica builds them (gzip payload, hash of the JSON).</summary>
internal static class TestConfigs
{
    public static BackplaneConfig Make(long revision, string json, string? version = null)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return new BackplaneConfig
        {
            Revision = revision,
            Hash = ConfigHash.Compute(bytes),
            Version = version,
            Timestamp = DateTimeOffset.UnixEpoch.AddDays(20_000),
            Size = bytes.Length,
            Payload = Gzip(bytes),
        };
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return buffer.ToArray();
    }
}
