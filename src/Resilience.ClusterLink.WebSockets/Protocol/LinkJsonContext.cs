using System.Text.Json.Serialization;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// The source-generated JSON of the messages (<c>null</c> fields left out). Internal: <see cref="LinkFraming"/> is the
/// surface, so the generator's members are not a public contract.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LinkMessage))]
[JsonSerializable(typeof(HelloMessage))]
[JsonSerializable(typeof(WelcomeMessage))]
[JsonSerializable(typeof(HeartbeatMessage))]
[JsonSerializable(typeof(ApplyResultMessage))]
[JsonSerializable(typeof(BinaryHeader))]
[JsonSerializable(typeof(LicenseMessage))]
[JsonSerializable(typeof(RollbackMessage))]
[JsonSerializable(typeof(ConfigRequestMessage))]
internal sealed partial class LinkJsonContext : JsonSerializerContext
{
}
