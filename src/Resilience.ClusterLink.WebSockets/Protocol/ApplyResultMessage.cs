using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

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
