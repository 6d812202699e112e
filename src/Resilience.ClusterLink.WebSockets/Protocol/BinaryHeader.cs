using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>The JSON header of a binary message: a configuration push (<see cref="LinkProtocol.Types.Config"/>) or a telemetry batch (<see cref="LinkProtocol.Types.Telemetry"/>).</summary>
public sealed class BinaryHeader : LinkMessage
{
    /// <summary>Gets or sets the hash of the configuration JSON (config).</summary>
    [JsonPropertyName("hash")]
    public string? Hash { get; set; }

    /// <summary>Gets or sets the control plane's version of the configuration (config).</summary>
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    /// <summary>Gets or sets when the configuration was published, or when the telemetry batch was built.</summary>
    [JsonPropertyName("timestamp")]
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>Gets or sets how the payload is encoded, one of <see cref="LinkProtocol.Encodings"/>; <see langword="null"/> means identity.</summary>
    [JsonPropertyName("encoding")]
    public string? Encoding { get; set; }

    /// <summary>Gets or sets the payload's size in bytes after decoding, when the sender states it.</summary>
    [JsonPropertyName("size")]
    public long? Size { get; set; }

    /// <summary>Gets or sets the control plane's signature of the configuration JSON (<see cref="ConfigSignature"/>), when it signs.</summary>
    [JsonPropertyName("signature")]
    public string? Signature { get; set; }

    /// <summary>Gets or sets the hash of the configuration a <see cref="LinkProtocol.Types.ConfigDelta"/> patches (config_delta).</summary>
    [JsonPropertyName("base_hash")]
    public string? BaseHash { get; set; }

    /// <summary>Gets or sets the size in bytes of the configuration a <see cref="LinkProtocol.Types.ConfigDelta"/> makes (config_delta).</summary>
    [JsonPropertyName("target_size")]
    public long? TargetSize { get; set; }
}
