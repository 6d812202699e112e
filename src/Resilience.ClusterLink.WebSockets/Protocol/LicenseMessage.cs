using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

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
