using System.IO.Compression;
using Microsoft.Net.Http.Headers;

namespace Resilience.Yarp;

/// <summary>
/// How <c>POST /resilience/apply</c> reads its body. A JSON or YAML <c>Content-Type</c> decides; without one (curl's
/// <c>--data-binary</c> sends <c>application/x-www-form-urlencoded</c>) the body decides: a JSON document starts with
/// <c>{</c> or <c>[</c>, anything else is read as YAML (gzip is looked into first). A refusal says which was chosen and why.
/// </summary>
internal static class ManualApplyFormat
{
    private const int SniffBytes = 512;

    /// <summary>Chooses the format of a body of <paramref name="length"/> bytes in <paramref name="buffer"/>.</summary>
    /// <returns>The format and the reason, for the caller's error messages.</returns>
    public static (ConfigFormat Format, string Reason) Choose(string? contentType, byte[] buffer, int length)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value : null;
        if (mediaType is not null && mediaType.Contains("yaml", StringComparison.OrdinalIgnoreCase))
        {
            return (ConfigFormat.Yaml, $"its Content-Type is {mediaType}");
        }

        if (mediaType is not null && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (ConfigFormat.Json, $"its Content-Type is {mediaType}");
        }

        var named = mediaType is null ? "it has no Content-Type" : $"its Content-Type ({mediaType}) names neither JSON nor YAML";
        return StartsLikeJson(buffer, length)
            ? (ConfigFormat.Json, named + " and it starts like JSON")
            : (ConfigFormat.Yaml, named + " and it does not start like JSON");
    }

    /// <summary>The errors of a refused body, with a last line saying how its format was chosen when the refusal is about the format.</summary>
    public static IReadOnlyList<string> Explain(ApplyResult result, ConfigFormat format, string reason) =>
        result.Reason is RejectionReason.InvalidJson or RejectionReason.InvalidYaml
            ? [.. result.Errors, $"The body was read as {(format == ConfigFormat.Json ? "JSON" : "YAML")} because {reason}. The Content-Type decides (application/json or application/yaml); without one, a body that starts with '{{' or '[' is JSON and anything else YAML."]
            : result.Errors;

    private static bool StartsLikeJson(byte[] buffer, int length)
    {
        ReadOnlySpan<byte> head = buffer.AsSpan(0, length);
        if (head is [0x1f, 0x8b, ..])
        {
            // Gzip: look at the start of what it holds (a bounded read: a bomb cannot inflate here). Damaged gzip is
            // left to the pipeline, which says BadCompression whatever the format.
            var inflated = new byte[SniffBytes];
            try
            {
                using var gzip = new GZipStream(new MemoryStream(buffer, 0, length, writable: false), CompressionMode.Decompress);
                head = inflated.AsSpan(0, gzip.ReadAtLeast(inflated, SniffBytes, throwOnEndOfStream: false));
            }
            catch (InvalidDataException)
            {
                return true;
            }
        }

        head = head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? head[3..] : head;
        var start = head.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && head[start] is (byte)'{' or (byte)'[';
    }
}
