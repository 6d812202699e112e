using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resilience;

/// <summary>
/// <c>license.json</c> in the data directory: <c>{"format":"resilience-license","payload":"&lt;base64 JSON&gt;","signature":"..."}</c>,
/// written atomically. The payload is kept byte for byte so its signature can be checked again at start-up.
/// </summary>
internal static class LicenseFile
{
    public const string FileName = "license.json";
    public const string FormatTag = "resilience-license";

    public static byte[] Encode(LicenseDocument license) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new StoredLicense { Format = FormatTag, Payload = Convert.ToBase64String(license.Payload.Span), Signature = license.Signature },
            LicenseJsonContext.Default.StoredLicense);

    /// <exception cref="FormatException">Not a stored licence.</exception>
    public static (byte[] Payload, string? Signature) Decode(ReadOnlySpan<byte> content)
    {
        StoredLicense? stored;
        try
        {
            stored = JsonSerializer.Deserialize(content, LicenseJsonContext.Default.StoredLicense);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"unreadable: {ex.Message}", ex);
        }

        if (stored is null || stored.Format != FormatTag || string.IsNullOrEmpty(stored.Payload))
        {
            throw new FormatException($"not a {FormatTag} file");
        }

        return (Convert.FromBase64String(stored.Payload), stored.Signature);
    }
}

/// <summary>The stored form of a licence.</summary>
internal sealed class StoredLicense
{
    [JsonPropertyName("format")]
    public string? Format { get; set; }

    [JsonPropertyName("payload")]
    public string? Payload { get; set; }

    [JsonPropertyName("signature")]
    public string? Signature { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredLicense))]
internal sealed partial class LicenseJsonContext : JsonSerializerContext
{
}
