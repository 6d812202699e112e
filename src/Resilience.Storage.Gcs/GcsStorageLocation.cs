namespace Resilience.Storage.Gcs;

/// <summary>The bucket and key prefix named by <c>gcs://bucket/prefix</c>.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Prefix">The key prefix without leading or trailing <c>/</c>; empty for the bucket's root.</param>
internal sealed record GcsStorageLocation(string Bucket, string Prefix)
{
    public static GcsStorageLocation Parse(Uri storage)
    {
        ArgumentNullException.ThrowIfNull(storage);

        // The original string keeps the bucket's case and characters that Uri would normalise.
        var text = storage.OriginalString;
        const string scheme = "gcs://";
        if (!text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{text}' is not a gcs://bucket/prefix URI", nameof(storage));
        }

        var rest = text[scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
        if (bucket.Length == 0)
        {
            throw new ArgumentException($"'{text}' names no bucket; use gcs://bucket/prefix", nameof(storage));
        }

        return new GcsStorageLocation(bucket, prefix);
    }

    public string Description => Prefix.Length == 0 ? $"gcs://{Bucket}" : $"gcs://{Bucket}/{Prefix}";

    public string ObjectKey(string key) => Prefix.Length == 0 ? key : $"{Prefix}/{key}";

    public string RelativeKey(string objectKey) =>
        Prefix.Length == 0 ? objectKey : objectKey[(Prefix.Length + 1)..];
}
