using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resilience;

/// <summary>
/// One exporter's entry under <c>&lt;prefix&gt;/&lt;version&gt;/election/&lt;node id&gt;</c>. The object is
/// rewritten every election interval (its store-side last-modified time is the heartbeat); its content
/// carries the node id and when this node first registered, which orders the candidates.
/// </summary>
/// <param name="NodeId">The exporter's node id (unsanitised).</param>
/// <param name="FirstRegistered">When this process first registered (the registering node's clock); earlier leads.</param>
/// <param name="LastModified">When the store last wrote the registration (the store's clock).</param>
internal sealed record ElectionRegistration(string NodeId, DateTimeOffset FirstRegistered, DateTimeOffset LastModified)
{
    public static byte[] Serialize(string nodeId, string hostname, DateTimeOffset firstRegistered) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new RegistrationContent { NodeId = nodeId, Hostname = hostname, FirstRegistered = firstRegistered },
            ElectionJsonContext.Default.RegistrationContent);

    /// <summary>Reads a registration's content; <see langword="null"/> when it is not one of ours.</summary>
    public static ElectionRegistration? TryParse(ReadOnlySpan<byte> content, DateTimeOffset lastModified)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize(content, ElectionJsonContext.Default.RegistrationContent);
            return parsed is { NodeId: { Length: > 0 } id, FirstRegistered: { } first }
                ? new ElectionRegistration(id, first, lastModified)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The JSON body of a registration object.</summary>
internal sealed class RegistrationContent
{
    [JsonPropertyName("node_id")]
    public string? NodeId { get; set; }

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("first_registered")]
    public DateTimeOffset? FirstRegistered { get; set; }
}

[JsonSerializable(typeof(RegistrationContent))]
internal sealed partial class ElectionJsonContext : JsonSerializerContext
{
}
