using System.Text.Json.Serialization;

namespace Resilience.Storage.Gcs;

/// <summary>The subset of the JSON API's object resource the store reads and writes.</summary>
internal sealed class GcsObject
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("size")]
    public string? Size { get; set; }

    [JsonPropertyName("generation")]
    public string? Generation { get; set; }

    [JsonPropertyName("updated")]
    public DateTimeOffset? Updated { get; set; }

    [JsonPropertyName("contentType")]
    public string? ContentType { get; set; }

    [JsonPropertyName("metadata")]
    public Dictionary<string, string>? Metadata { get; set; }
}

/// <summary>An objects.list page.</summary>
internal sealed class GcsObjectList
{
    [JsonPropertyName("items")]
    public List<GcsObject>? Items { get; set; }

    [JsonPropertyName("nextPageToken")]
    public string? NextPageToken { get; set; }
}

/// <summary>The JSON API's error body: <c>{"error":{"code":..,"message":..,"errors":[{"reason":..}]}}</c>.</summary>
internal sealed class GcsErrorResponse
{
    [JsonPropertyName("error")]
    public GcsError? Error { get; set; }
}

/// <summary>The error itself.</summary>
internal sealed class GcsError
{
    [JsonPropertyName("code")]
    public int Code { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("errors")]
    public List<GcsErrorItem>? Errors { get; set; }
}

/// <summary>One entry of an error's details.</summary>
internal sealed class GcsErrorItem
{
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }
}

[JsonSerializable(typeof(GcsObject))]
[JsonSerializable(typeof(GcsObjectList))]
[JsonSerializable(typeof(GcsErrorResponse))]
internal sealed partial class GcsJsonContext : JsonSerializerContext
{
}
