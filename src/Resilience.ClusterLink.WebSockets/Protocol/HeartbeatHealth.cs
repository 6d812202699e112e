using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>The health summary a node sends with every heartbeat (<see cref="HeartbeatMessage.Health"/>).</summary>
public sealed class HeartbeatHealth
{
    /// <summary>Gets or sets a value indicating whether the node serves a configuration.</summary>
    [JsonPropertyName("ready")]
    public bool Ready { get; set; }

    /// <summary>Gets or sets the requests the node recorded since its previous heartbeat on this connection (since the connection for the first).</summary>
    [JsonPropertyName("requests")]
    public long Requests { get; set; }

    /// <summary>Gets or sets the failed ones among them (status 500 or above, or a proxy error).</summary>
    [JsonPropertyName("failed_requests")]
    public long FailedRequests { get; set; }

    /// <summary>Gets or sets the bake of the served configuration, one of <see cref="LinkProtocol.BakeStates"/>.</summary>
    [JsonPropertyName("bake")]
    public string? Bake { get; set; }

    /// <summary>Gets or sets the configuration the bake is about.</summary>
    [JsonPropertyName("bake_hash")]
    public string? BakeHash { get; set; }
}
