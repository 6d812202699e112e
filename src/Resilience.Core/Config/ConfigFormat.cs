namespace Resilience;

/// <summary>The syntax of a configuration document before the apply pipeline converts it to JSON.</summary>
/// <remarks>Gzip compression is detected from the content and is independent of the format.</remarks>
public enum ConfigFormat
{
    /// <summary>UTF-8 JSON.</summary>
    Json = 0,

    /// <summary>YAML 1.2, converted to JSON by the pipeline.</summary>
    Yaml = 1,
}
