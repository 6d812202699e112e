using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// The fields every message has. Control messages are these objects as JSON text; a binary message carries a
/// <see cref="BinaryHeader"/>. Within a major version fields are only added: a receiver ignores what it does not know.
/// </summary>
public class LinkMessage
{
    /// <summary>Gets or sets the message type, one of <see cref="LinkProtocol.Types"/>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }
}

/// <summary>DP -> CP, the first message on every connection (<see cref="LinkProtocol.Types.Hello"/>).</summary>
public sealed class HelloMessage : LinkMessage
{
    /// <summary>Gets or sets the protocol version the node speaks (<see cref="LinkProtocol.Version"/>).</summary>
    [JsonPropertyName("protocol")]
    public int Protocol { get; set; }

    /// <summary>Gets or sets the node id (1-128 characters), unique among the control plane's nodes.</summary>
    [JsonPropertyName("node_id")]
    public string? NodeId { get; set; }

    /// <summary>Gets or sets the node's host name.</summary>
    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    /// <summary>Gets or sets the node's software version.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    /// <summary>Gets or sets the node's labels.</summary>
    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Gets or sets the hash of the configuration the node serves, or <see langword="null"/> when it serves none.</summary>
    [JsonPropertyName("config_hash")]
    public string? ConfigHash { get; set; }
}

/// <summary>CP -> DP, the answer to hello (<see cref="LinkProtocol.Types.Welcome"/>): the control plane's view of the latest configuration.</summary>
public sealed class WelcomeMessage : LinkMessage
{
    /// <summary>Gets or sets the protocol version the control plane speaks.</summary>
    [JsonPropertyName("protocol")]
    public int Protocol { get; set; }

    /// <summary>Gets or sets the hash of the latest published configuration, or <see langword="null"/> when none is published.</summary>
    [JsonPropertyName("latest_hash")]
    public string? LatestHash { get; set; }

    /// <summary>Gets or sets the heartbeat interval the control plane expects, in milliseconds, when it states one.</summary>
    [JsonPropertyName("heartbeat_interval_ms")]
    public long? HeartbeatIntervalMs { get; set; }
}

/// <summary>DP -> CP every heartbeat interval (<see cref="LinkProtocol.Types.Heartbeat"/>); CP -> DP as <see cref="LinkProtocol.Types.HeartbeatAck"/>.</summary>
public sealed class HeartbeatMessage : LinkMessage
{
    /// <summary>Gets or sets the hash of the configuration the node serves (heartbeat).</summary>
    [JsonPropertyName("config_hash")]
    public string? ConfigHash { get; set; }

    /// <summary>Gets or sets the hash of the latest published configuration (heartbeat_ack).</summary>
    [JsonPropertyName("latest_hash")]
    public string? LatestHash { get; set; }
}

/// <summary>DP -> CP after each pushed configuration (<see cref="LinkProtocol.Types.ApplyResult"/>).</summary>
public sealed class ApplyResultMessage : LinkMessage
{
    /// <summary>Gets or sets the hash of the pushed configuration.</summary>
    [JsonPropertyName("hash")]
    public string? Hash { get; set; }

    /// <summary>Gets or sets the version the push carried.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    /// <summary>Gets or sets what the apply came to, one of <see cref="LinkProtocol.Outcomes"/>.</summary>
    [JsonPropertyName("outcome")]
    public string? Outcome { get; set; }

    /// <summary>Gets or sets the pipeline step that rejected it (a <see cref="RejectionReason"/> name), when rejected.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Gets or sets why it was rejected, when it was.</summary>
    [JsonPropertyName("errors")]
    public List<string>? Errors { get; set; }

    /// <summary>Gets or sets the hash of the configuration the node serves after the apply.</summary>
    [JsonPropertyName("config_hash")]
    public string? ConfigHash { get; set; }
}

/// <summary>CP -> DP on connect and whenever the control plane sets a licence (<see cref="LinkProtocol.Types.License"/>).</summary>
public sealed class LicenseMessage : LinkMessage
{
    /// <summary>Gets or sets the licence JSON, base64 (the exact bytes the signature covers).</summary>
    [JsonPropertyName("payload")]
    public string? Payload { get; set; }

    /// <summary>Gets or sets the base64 signature over the licence JSON, or <see langword="null"/> when unsigned.</summary>
    [JsonPropertyName("signature")]
    public string? Signature { get; set; }
}

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
}
