namespace Resilience;

/// <summary>Creates <c>file:///dir</c> stores.</summary>
internal sealed class FileFallbackStoreFactory : IFallbackStoreFactory
{
    public string Scheme => "file";

    public IFallbackStore Create(Uri storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (!storage.IsFile || string.IsNullOrEmpty(storage.LocalPath))
        {
            throw new ArgumentException($"'{storage}' is not a file:///dir URI", nameof(storage));
        }

        return new FileFallbackStore(storage.LocalPath);
    }
}
