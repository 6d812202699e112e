using System.Text.Json.Serialization;

namespace Resilience.ControlPlane;

/// <summary>The rollout record and node reports as the backplane stores them (source-generated JSON, enums by name).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RolloutRecord))]
[JsonSerializable(typeof(RolloutNodeReport[]))]
internal sealed partial class RolloutJsonContext : JsonSerializerContext
{
}
