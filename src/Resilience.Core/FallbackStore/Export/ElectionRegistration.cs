using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resilience;

/// <summary>
/// One exporter's entry under <c>&lt;prefix&gt;/&lt;version&gt;/election/&lt;node id&gt;</c>. The object is
/// rewritten every election interval (its store-side last-modified time is the heartbeat); its content
/// carries the node id, when this node first registered (which orders the candidates for a new claim) and
/// the term of its claim to the lead, if it holds one.
/// </summary>
/// <param name="NodeId">The exporter's node id (unsanitised).</param>
/// <param name="FirstRegistered">When this process first registered (the registering node's clock); earlier claims first.</param>
/// <param name="LastModified">When the store last wrote the registration (the store's clock).</param>
/// <param name="LeadTerm">The term of this node's claim to the lead; 0 when it claims nothing. A higher term is a later, winning claim.</param>
internal sealed record ElectionRegistration(string NodeId, DateTimeOffset FirstRegistered, DateTimeOffset LastModified, long LeadTerm = 0)
{
    public static byte[] Serialize(string nodeId, string hostname, DateTimeOffset firstRegistered, long leadTerm = 0) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new RegistrationContent { NodeId = nodeId, Hostname = hostname, FirstRegistered = firstRegistered, LeadTerm = leadTerm > 0 ? leadTerm : null },
            ElectionJsonContext.Default.RegistrationContent);

    /// <summary>Reads a registration's content; <see langword="null"/> when it is not one of ours.</summary>
    public static ElectionRegistration? TryParse(ReadOnlySpan<byte> content, DateTimeOffset lastModified)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize(content, ElectionJsonContext.Default.RegistrationContent);
            return parsed is { NodeId: { Length: > 0 } id, FirstRegistered: { } first }
                ? new ElectionRegistration(id, first, lastModified, parsed.LeadTerm is > 0 and var term ? term : 0)
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

    [JsonPropertyName("lead_term")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? LeadTerm { get; set; }
}

[JsonSerializable(typeof(RegistrationContent))]
internal sealed partial class ElectionJsonContext : JsonSerializerContext
{
}
