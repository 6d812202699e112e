using System.Text.Json.Serialization;

namespace Resilience.ControlPlane.Redis;

/// <summary>The registry reports' JSON (one array of data planes per replica), source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DataPlaneInfo[]))]
internal sealed partial class RedisBackplaneJsonContext : JsonSerializerContext
{
}
