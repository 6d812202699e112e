using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

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

    /// <summary>Gets or sets the hash of the fleet's stable configuration (see <see cref="HeartbeatMessage.StableHash"/>), or <see langword="null"/>.</summary>
    [JsonPropertyName("stable_hash")]
    public string? StableHash { get; set; }
}
