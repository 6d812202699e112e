using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// CP -> DP (<see cref="LinkProtocol.Types.Rollback"/>): serve <see cref="Hash"/> of the node's history again. The node
/// answers with an <see cref="ApplyResultMessage"/>: <see cref="LinkProtocol.Outcomes.RolledBack"/> (its <c>hash</c> the
/// configuration gone back from, <c>config_hash</c> this one), <see cref="LinkProtocol.Outcomes.Unchanged"/> when it serves
/// it already, or <see cref="LinkProtocol.Outcomes.Rejected"/> with the reason (<c>NotInHistory</c>, a validator's refusal, ...)
/// and <c>hash</c> this one.
/// </summary>
public sealed class RollbackMessage : LinkMessage
{
    /// <summary>Gets or sets the hash of the configuration to serve again.</summary>
    [JsonPropertyName("hash")]
    public string? Hash { get; set; }

    /// <summary>Gets or sets why.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Gets or sets who asks: <c>control-plane:&lt;rollout id&gt;</c>, <c>admin:&lt;user&gt;</c>, ...</summary>
    [JsonPropertyName("actor")]
    public string? Actor { get; set; }
}
