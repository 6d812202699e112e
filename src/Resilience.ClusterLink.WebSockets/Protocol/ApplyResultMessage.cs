using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// DP -> CP after each pushed configuration (<see cref="LinkProtocol.Types.ApplyResult"/>), after each <see cref="RollbackMessage"/>,
/// and whenever the node rolls back or reverts (<see cref="LinkProtocol.Outcomes.RolledBack"/>, <see cref="LinkProtocol.Outcomes.Reverted"/>:
/// <see cref="Hash"/> is then the configuration gone back from, <see cref="ConfigHash"/> the one served again).
/// </summary>
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

    /// <summary>Gets or sets the pipeline step that rejected it (a <see cref="RejectionReason"/> name), when rejected; why, for a rollback or a revert.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Gets or sets why it was rejected, when it was.</summary>
    [JsonPropertyName("errors")]
    public List<string>? Errors { get; set; }

    /// <summary>Gets or sets the hash of the configuration the node serves after the apply.</summary>
    [JsonPropertyName("config_hash")]
    public string? ConfigHash { get; set; }

    /// <summary>Gets or sets who asked, for a rollback or a revert: <c>admin:&lt;user&gt;</c>, <c>self-revert</c>, <c>control-plane:&lt;rollout id&gt;</c>.</summary>
    [JsonPropertyName("actor")]
    public string? Actor { get; set; }
}
