using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// The fields every message has. Control messages are these objects as JSON text; a binary message carries a
/// <see cref="BinaryHeader"/>. Within a major version fields are only added: a receiver ignores what it does not know.
/// </summary>
public class LinkMessage
{
    /// <summary>Gets or sets the message type, one of <see cref="LinkProtocol.Types"/>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }
}
