using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// The pipeline steps that need no state: size limits, decompression, YAML to JSON, the JSON
/// well-formedness check and the hash. Produces the canonical payload or a typed rejection.
/// </summary>
internal sealed class ConfigPreparer
{
    private readonly long _maxConfigBytes;
    private readonly long _maxDecompressedBytes;
    private readonly DeclarativeConfigOptions _yamlLimits;

    /// <summary>Created by the container: the limits of the node's options, the YAML limits of the declarative options.</summary>
    public ConfigPreparer(IOptions<DataPlaneResilienceOptions> options, IOptions<DeclarativeConfigOptions> yamlLimits)
        : this(options.Value.MaxConfigBytes, options.Value.MaxDecompressedBytes, yamlLimits.Value)
    {
    }

    internal ConfigPreparer(long maxConfigBytes, long maxDecompressedBytes, DeclarativeConfigOptions yamlLimits)
    {
        _maxConfigBytes = maxConfigBytes;
        _maxDecompressedBytes = maxDecompressedBytes;
        _yamlLimits = yamlLimits;
    }

    /// <exception cref="ConfigRejectedException">The document fails a step.</exception>
    public (ReadOnlyMemory<byte> Payload, string Hash) Prepare(ConfigDocument document)
    {
        var content = document.Content;
        var received = document.ReceivedBytes ?? content.Length;
        if (received > _maxConfigBytes)
        {
            throw new ConfigRejectedException(RejectionReason.TooLarge, $"content of {received} bytes exceeds the limit of {_maxConfigBytes} bytes");
        }

        // YAML is bounded by its own, smaller limit before it is parsed: the parser holds each scalar twice as
        // UTF-16 text, so the YAML path's memory is a small multiple of what it is allowed to read.
        var yaml = document.Format == ConfigFormat.Yaml;
        var inputLimit = yaml ? Math.Min(_maxDecompressedBytes, _yamlLimits.MaxFileBytes) : _maxDecompressedBytes;
        if (BoundedGzip.IsGzip(content.Span))
        {
            try
            {
                content = BoundedGzip.Decompress(content, inputLimit);
            }
            catch (GzipContentException ex)
            {
                throw new ConfigRejectedException(ex.Reason, ex.Message, ex);
            }
        }
        else if (content.Length > inputLimit)
        {
            throw new ConfigRejectedException(RejectionReason.TooLarge, $"YAML content of {content.Length} bytes exceeds the limit of {inputLimit} bytes (Declarative:MaxFileBytes)");
        }

        if (yaml)
        {
            try
            {
                content = new YamlJsonConverter(_yamlLimits.MaxNodes, _yamlLimits.MaxDepth, _maxDecompressedBytes).Convert(content);
            }
            catch (ConfigFormatException ex)
            {
                throw new ConfigRejectedException(RejectionReason.InvalidYaml, $"{document.Source ?? "YAML"} {ex.Message}", ex);
            }
        }
        else
        {
            content = StripBom(content);
            CheckJson(content.Span);
        }

        var hash = ConfigHash.Compute(content.Span);
        if (document.ExpectedHash is { } expected && !string.Equals(expected, hash, StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigRejectedException(RejectionReason.HashMismatch, $"content hash {hash} does not match the claimed {expected}");
        }

        return (content, hash);
    }

    private static ReadOnlyMemory<byte> StripBom(ReadOnlyMemory<byte> content) =>
        content.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? content[3..] : content;

    private static void CheckJson(ReadOnlySpan<byte> json)
    {
        // As appsettings files are read (Microsoft.Extensions.Configuration.Json): comments and trailing commas are
        // allowed, so a gateway's existing section passes as it is. The payload (and its hash) stays the bytes given.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ConfigRejectedException(RejectionReason.InvalidJson, "the configuration must be a JSON object");
            }

            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !reader.ValueIsEscaped)
                {
                    // The reader does not validate UTF-8 inside strings on its own.
                    if (!System.Text.Unicode.Utf8.IsValid(reader.ValueSpan))
                    {
                        throw new ConfigRejectedException(RejectionReason.InvalidJson, $"invalid UTF-8 at byte {reader.TokenStartIndex}");
                    }
                }
            }
        }
        catch (JsonException ex)
        {
            throw new ConfigRejectedException(RejectionReason.InvalidJson, $"malformed JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}", ex);
        }
    }
}
