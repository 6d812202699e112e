using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

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

    /// <summary>Gets or sets what the node can do beyond the base protocol (<see cref="LinkProtocol.Capabilities"/>), or <see langword="null"/>.</summary>
    [JsonPropertyName("capabilities")]
    public List<string>? Capabilities { get; set; }
}
