namespace Resilience.Storage;

/// <summary>
/// The container and key prefix named by a cloud store's URI, <c>&lt;scheme&gt;://&lt;container&gt;/&lt;prefix&gt;</c>
/// (shared source): <c>s3://bucket/prefix</c>, <c>gcs://bucket/prefix</c> (or <c>gs://</c>), <c>azure://container/prefix</c>.
/// </summary>
/// <param name="Scheme">The scheme as written (one of the store's accepted spellings), for logs.</param>
/// <param name="Container">The bucket (S3, GCS) or container (Azure Blob Storage).</param>
/// <param name="Prefix">The key prefix without leading or trailing <c>/</c>; empty for the container's root.</param>
internal sealed record StorageLocation(string Scheme, string Container, string Prefix)
{
    /// <summary>Reads a storage URI.</summary>
    /// <param name="storage">The URI.</param>
    /// <param name="containerNoun">What the store calls a container (<c>bucket</c>, <c>container</c>), for error messages.</param>
    /// <param name="schemes">The accepted schemes; the first is the canonical one.</param>
    /// <exception cref="ArgumentException">The URI has another scheme, names no container, or carries a query or fragment.</exception>
    public static StorageLocation Parse(Uri storage, string containerNoun, params string[] schemes)
    {
        ArgumentNullException.ThrowIfNull(storage);

        // The original string keeps the container's case and characters that Uri would normalise.
        var text = storage.OriginalString;
        var scheme = Array.Find(schemes, s => text.StartsWith(s + "://", StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"'{text}' is not a {schemes[0]}://{containerNoun}/prefix URI", nameof(storage));
        var rest = text[(scheme.Length + 3)..];

        // A pasted SAS or signed URL must not become part of the prefix (nor end up in logs): credentials go in options.
        if (rest.IndexOfAny(['?', '#']) >= 0)
        {
            throw new ArgumentException($"'{scheme}://{rest.Split('?', '#')[0]}' carries a query or fragment; a storage URI is {scheme}://{containerNoun}/prefix and credentials go in the store's options", nameof(storage));
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
        if (container.Length == 0)
        {
            throw new ArgumentException($"'{text}' names no {containerNoun}; use {scheme}://{containerNoun}/prefix", nameof(storage));
        }

        return new StorageLocation(scheme.ToLowerInvariant(), container, prefix);
    }

    /// <summary>Gets the URI without credentials, for logs and error messages.</summary>
    public string Description => Prefix.Length == 0 ? $"{Scheme}://{Container}" : $"{Scheme}://{Container}/{Prefix}";

    /// <summary>The object name of a store key (the key under the prefix).</summary>
    public string ObjectKey(string key) => Prefix.Length == 0 ? key : $"{Prefix}/{key}";

    /// <summary>The store key of an object name listed under the prefix.</summary>
    public string RelativeKey(string objectKey) =>
        Prefix.Length == 0 ? objectKey : objectKey[(Prefix.Length + 1)..];
}
