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

    /// <summary>
    /// Gets or sets the id of the control plane's staged rollout this configuration is the candidate of (config), while
    /// that rollout has not completed; absent for a configuration the whole fleet was given. A node serves such a
    /// configuration but does not export it to the fallback store until the control plane names it stable
    /// (<see cref="HeartbeatMessage.StableHash"/>, <see cref="WelcomeMessage.StableHash"/>).
    /// </summary>
    [JsonPropertyName("rollout")]
    public string? Rollout { get; set; }

    /// <summary>
    /// Gets or sets the stricter bake the control plane asks for while the node tries this configuration (config and
    /// config_delta, a staged rollout's wave), or <see langword="null"/>; see <see cref="BakeRequestHeader"/>.
    /// </summary>
    [JsonPropertyName("bake")]
    public BakeRequestHeader? Bake { get; set; }

    /// <summary>Gets or sets the hash of the configuration a <see cref="LinkProtocol.Types.ConfigDelta"/> patches (config_delta).</summary>
    [JsonPropertyName("base_hash")]
    public string? BaseHash { get; set; }

    /// <summary>Gets or sets the size in bytes of the configuration a <see cref="LinkProtocol.Types.ConfigDelta"/> makes (config_delta).</summary>
    [JsonPropertyName("target_size")]
    public long? TargetSize { get; set; }
}
