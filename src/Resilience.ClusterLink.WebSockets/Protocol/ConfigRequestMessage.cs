using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// DP -> CP (<see cref="LinkProtocol.Types.ConfigRequest"/>): a <see cref="LinkProtocol.Types.ConfigDelta"/> could not be used
/// (its base is not served, its patch does not apply, or the result does not hash to the target); the control plane answers
/// with the whole configuration. The node keeps serving what it served and never serves the patched bytes.
/// </summary>
public sealed class ConfigRequestMessage : LinkMessage
{
    /// <summary>Gets or sets the hash of the configuration the delta was to make.</summary>
    [JsonPropertyName("hash")]
    public string? Hash { get; set; }

    /// <summary>Gets or sets the hash of the configuration the node serves, or <see langword="null"/>.</summary>
    [JsonPropertyName("config_hash")]
    public string? ConfigHash { get; set; }

    /// <summary>Gets or sets why, one of <see cref="LinkProtocol.ConfigRequestReasons"/>.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Gets or sets what went wrong, in words, for the control plane's log.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; set; }
}
