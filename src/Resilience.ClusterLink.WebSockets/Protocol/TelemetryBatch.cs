using System.IO.Compression;
using System.Text.Json;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// The payload of a <c>telemetry</c> message (docs/protocol.md): a UTF-8 JSON object
/// <c>{"records":[{"service","route","consumer","status_code","latency_ms","request_bytes","response_bytes"}],"dropped":N}</c>,
/// gzip-compressed. <c>dropped</c> is the node's running total of records dropped since it started.
/// Null names are left out. Shared by the data plane (encode) and the control plane (decode).
/// </summary>
public static class TelemetryBatch
{
    /// <summary>Encodes a batch.</summary>
    /// <param name="records">The records.</param>
    /// <param name="droppedTotal">The node's running total of dropped records.</param>
    /// <returns>The gzip payload and the uncompressed size (the header's <see cref="BinaryHeader.Size"/>).</returns>
    public static (byte[] Gzip, long Size) Encode(IReadOnlyList<UsageRecord> records, long droppedTotal)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var json = new MemoryStream(64 + (records.Count * 128));
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("records"u8);
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                writer.WriteStartObject();
                WriteName(writer, "service"u8, record.Service);
                WriteName(writer, "route"u8, record.Route);
                WriteName(writer, "consumer"u8, record.Consumer);
                writer.WriteNumber("status_code"u8, record.StatusCode);
                writer.WriteNumber("latency_ms"u8, record.Latency.TotalMilliseconds);
                writer.WriteNumber("request_bytes"u8, record.RequestBytes);
                writer.WriteNumber("response_bytes"u8, record.ResponseBytes);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("dropped"u8, droppedTotal);
            writer.WriteEndObject();
        }

        var size = json.Length;
        using var compressed = new MemoryStream((int)Math.Min(int.MaxValue, (size / 4) + 64));
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(json.GetBuffer(), 0, (int)size);
        }

        return (compressed.ToArray(), size);
    }

    /// <summary>Decodes an uncompressed batch (decompress a gzip payload under a limit first).</summary>
    /// <param name="json">The batch JSON.</param>
    /// <returns>The records and the node's running total of dropped records.</returns>
    /// <exception cref="FormatException">Not a telemetry batch.</exception>
    public static (List<UsageRecord> Records, long DroppedTotal) Decode(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("records"u8, out var array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("a telemetry batch must be a JSON object with a 'records' array");
            }

            var records = new List<UsageRecord>(array.GetArrayLength());
            foreach (var item in array.EnumerateArray())
            {
                records.Add(new UsageRecord(
                    Text(item, "service"u8),
                    Text(item, "route"u8),
                    Text(item, "consumer"u8),
                    item.TryGetProperty("status_code"u8, out var status) ? status.GetInt32() : 0,
                    item.TryGetProperty("latency_ms"u8, out var latency) ? TimeSpan.FromMilliseconds(latency.GetDouble()) : TimeSpan.Zero,
                    item.TryGetProperty("request_bytes"u8, out var request) ? request.GetInt64() : 0,
                    item.TryGetProperty("response_bytes"u8, out var response) ? response.GetInt64() : 0));
            }

            var dropped = root.TryGetProperty("dropped"u8, out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt64() : 0;
            return (records, dropped);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or OverflowException)
        {
            throw new FormatException($"a telemetry batch is malformed: {ex.Message}", ex);
        }
    }

    private static void WriteName(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? Text(JsonElement item, ReadOnlySpan<byte> name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
