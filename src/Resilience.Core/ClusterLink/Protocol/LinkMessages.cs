using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.Protocol;

/// <summary>The fields every control message has.</summary>
internal class LinkMessage
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }
}

/// <summary>DP -> CP, first message on a connection.</summary>
internal sealed class HelloMessage : LinkMessage
{
    [JsonPropertyName("protocol")]
    public int Protocol { get; set; }

    [JsonPropertyName("node_id")]
    public string? NodeId { get; set; }

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("version")]
    public string? Version { get; set; }

    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("config_hash")]
    public string? ConfigHash { get; set; }
}

/// <summary>CP -> DP, answer to hello: the CP's view of the latest configuration.</summary>
internal sealed class WelcomeMessage : LinkMessage
{
    [JsonPropertyName("protocol")]
    public int Protocol { get; set; }

    [JsonPropertyName("latest_hash")]
    public string? LatestHash { get; set; }

    [JsonPropertyName("heartbeat_interval_ms")]
    public long? HeartbeatIntervalMs { get; set; }
}

/// <summary>DP -> CP every heartbeat interval; CP -> DP as <c>heartbeat_ack</c>.</summary>
internal sealed class HeartbeatMessage : LinkMessage
{
    [JsonPropertyName("config_hash")]
    public string? ConfigHash { get; set; }

    [JsonPropertyName("latest_hash")]
    public string? LatestHash { get; set; }
}

/// <summary>DP -> CP after each pushed configuration.</summary>
internal sealed class ApplyResultMessage : LinkMessage
{
    [JsonPropertyName("hash")]
    public string? Hash { get; set; }

    [JsonPropertyName("version")]
    public string? Version { get; set; }

    [JsonPropertyName("outcome")]
    public string? Outcome { get; set; }

    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("errors")]
    public List<string>? Errors { get; set; }

    [JsonPropertyName("config_hash")]
    public string? ConfigHash { get; set; }
}

/// <summary>CP -> DP on connect and whenever the control plane sets a licence.</summary>
internal sealed class LicenseMessage : LinkMessage
{
    /// <summary>Gets or sets the licence JSON, base64 (the exact bytes the signature covers).</summary>
    [JsonPropertyName("payload")]
    public string? Payload { get; set; }

    [JsonPropertyName("signature")]
    public string? Signature { get; set; }
}

/// <summary>The JSON header of a binary message (config push, telemetry batch).</summary>
internal sealed class BinaryHeader : LinkMessage
{
    [JsonPropertyName("hash")]
    public string? Hash { get; set; }

    [JsonPropertyName("version")]
    public string? Version { get; set; }

    [JsonPropertyName("timestamp")]
    public DateTimeOffset? Timestamp { get; set; }

    [JsonPropertyName("encoding")]
    public string? Encoding { get; set; }

    [JsonPropertyName("size")]
    public long? Size { get; set; }

    /// <summary>The control plane's signature of the configuration JSON (<see cref="ConfigSignature"/>), when it signs.</summary>
    [JsonPropertyName("signature")]
    public string? Signature { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LinkMessage))]
[JsonSerializable(typeof(HelloMessage))]
[JsonSerializable(typeof(WelcomeMessage))]
[JsonSerializable(typeof(HeartbeatMessage))]
[JsonSerializable(typeof(ApplyResultMessage))]
[JsonSerializable(typeof(BinaryHeader))]
[JsonSerializable(typeof(LicenseMessage))]
internal sealed partial class LinkJsonContext : JsonSerializerContext
{
}
