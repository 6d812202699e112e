using System.Text;

namespace Resilience;

/// <summary>The fixed key layout inside a fallback store: <c>&lt;node version&gt;/config.json</c> and <c>&lt;node version&gt;/election/&lt;node id&gt;</c>.</summary>
internal static class FallbackStoreKeys
{
    /// <summary>Object metadata of an exported configuration: the node id of the node that uploaded it.</summary>
    internal const string ExporterNodeIdMetadataKey = "exporter-node-id";

    /// <summary>Object metadata of an exported configuration: its <see cref="ConfigHash"/>, checked on import.</summary>
    internal const string ConfigHashMetadataKey = "config-hash";

    /// <summary>Object metadata of an exported configuration: its signature, when signing is on.</summary>
    internal const string SignatureMetadataKey = "config-signature";

    /// <summary>The key of the exported configuration for a node version.</summary>
    /// <param name="nodeVersion">The node version.</param>
    /// <returns>The key.</returns>
    public static string Config(string nodeVersion) => $"{Sanitize(nodeVersion)}/config.json";

    /// <summary>The prefix under which exporters of a node version register for the election.</summary>
    /// <param name="nodeVersion">The node version.</param>
    /// <returns>The prefix, ending with <c>/</c>.</returns>
    public static string ElectionPrefix(string nodeVersion) => $"{Sanitize(nodeVersion)}/election/";

    /// <summary>The key of one node's election registration.</summary>
    /// <param name="nodeVersion">The node version.</param>
    /// <param name="nodeId">The node id.</param>
    /// <returns>The key.</returns>
    public static string Election(string nodeVersion, string nodeId) => ElectionPrefix(nodeVersion) + Sanitize(nodeId);

    /// <summary>Makes a value safe as one key segment: keeps letters, digits, <c>.</c>, <c>-</c> and <c>_</c>, replaces the rest with <c>_</c>.</summary>
    /// <param name="segment">The value.</param>
    /// <returns>The safe segment.</returns>
    public static string Sanitize(string segment)
    {
        ArgumentException.ThrowIfNullOrEmpty(segment);
        var builder = new StringBuilder(segment.Length);
        foreach (var c in segment)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }

        // "." and ".." are path traversal in file stores.
        var result = builder.ToString();
        return result.Trim('.').Length == 0 ? result.Replace('.', '_') : result;
    }
}
