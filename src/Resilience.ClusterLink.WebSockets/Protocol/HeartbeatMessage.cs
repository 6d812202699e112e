using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>DP -> CP every heartbeat interval (<see cref="LinkProtocol.Types.Heartbeat"/>); CP -> DP as <see cref="LinkProtocol.Types.HeartbeatAck"/>.</summary>
public sealed class HeartbeatMessage : LinkMessage
{
    /// <summary>Gets or sets the hash of the configuration the node serves (heartbeat).</summary>
    [JsonPropertyName("config_hash")]
    public string? ConfigHash { get; set; }

    /// <summary>Gets or sets the tier the node serves its configuration from (heartbeat; see <see cref="HelloMessage.Tier"/>).</summary>
    [JsonPropertyName("tier")]
    public string? Tier { get; set; }

    /// <summary>Gets or sets the hash of the latest published configuration (heartbeat_ack).</summary>
    [JsonPropertyName("latest_hash")]
    public string? LatestHash { get; set; }

    /// <summary>Gets or sets the hash of the fleet's stable configuration (heartbeat_ack): the one a staged rollout's candidate becomes when it completes. Absent from control planes that do not stage rollouts.</summary>
    [JsonPropertyName("stable_hash")]
    public string? StableHash { get; set; }

    /// <summary>Gets or sets the node's health summary (heartbeat); absent from an older node.</summary>
    [JsonPropertyName("health")]
    public HeartbeatHealth? Health { get; set; }
}
