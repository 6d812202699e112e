namespace Resilience;

/// <summary>
/// Converts a YAML document to the UTF-8 JSON the data planes serve, as the apply pipeline does for the declarative
/// tier and manual YAML applies: YAML 1.2 core schema for plain scalars, one document whose root is a mapping, and
/// the same limits against hostile input (the YAML size, nodes counting every alias expansion, nesting depth, and the
/// size of the JSON produced). A control plane uses it (or <c>IConfigPublisher</c>'s YAML overload) so that the JSON it
/// publishes is byte for byte what a data plane would make of the same YAML, with the same hash.
/// </summary>
public static class YamlToJson
{
    /// <summary>The default budget for the JSON a conversion may produce: the data plane's default <see cref="DataPlaneResilienceOptions.MaxDecompressedBytes"/> (256 MiB).</summary>
    public const long DefaultMaxJsonBytes = DataPlaneResilienceDefaults.MaxDecompressedBytes;

    /// <summary>Converts one YAML document (UTF-8, a byte order mark allowed) to UTF-8 JSON.</summary>
    /// <param name="yaml">The YAML document.</param>
    /// <param name="limits">
    /// The limits: <see cref="DeclarativeConfigOptions.MaxFileBytes"/> (16 MiB by default), <see cref="DeclarativeConfigOptions.MaxNodes"/> and
    /// <see cref="DeclarativeConfigOptions.MaxDepth"/>; <see langword="null"/> for the defaults, the data plane's own.
    /// </param>
    /// <param name="maxJsonBytes">The most JSON the conversion may produce.</param>
    /// <returns>The JSON object.</returns>
    /// <exception cref="ConfigFormatException">
    /// The YAML is over the size limit (<see cref="ConfigFormatException.Reason"/> <see cref="RejectionReason.TooLarge"/>), or it is malformed
    /// or crosses a limit while converting (<see cref="RejectionReason.InvalidYaml"/>, with the line and column): the reasons a data plane gives
    /// for the same document.
    /// </exception>
    public static byte[] Convert(ReadOnlyMemory<byte> yaml, DeclarativeConfigOptions? limits = null, long maxJsonBytes = DefaultMaxJsonBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxJsonBytes);
        limits ??= new DeclarativeConfigOptions();

        // As on the data plane: YAML is bounded before it is parsed (the parser holds each scalar twice as UTF-16 text).
        var inputLimit = Math.Min(maxJsonBytes, limits.MaxFileBytes);
        if (yaml.Length > inputLimit)
        {
            throw new ConfigFormatException(
                $"YAML content of {yaml.Length} bytes exceeds the limit of {inputLimit} bytes (Declarative:MaxFileBytes)", reason: RejectionReason.TooLarge);
        }

        return new YamlJsonConverter(limits.MaxNodes, limits.MaxDepth, maxJsonBytes).Convert(yaml);
    }
}
