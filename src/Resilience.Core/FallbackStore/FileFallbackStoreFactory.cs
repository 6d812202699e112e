namespace Resilience;

/// <summary>
/// Creates <c>file:///dir</c> stores (a directory, for example on a shared volume). <c>AddDataPlaneResilience</c>
/// registers it; a host that creates stores itself (a control plane that exports) registers it as an <see cref="IFallbackStoreFactory"/>.
/// </summary>
public sealed class FileFallbackStoreFactory : IFallbackStoreFactory
{
    /// <inheritdoc/>
    public string Scheme => "file";

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="storage"/> is not a <c>file:///dir</c> URI.</exception>
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
