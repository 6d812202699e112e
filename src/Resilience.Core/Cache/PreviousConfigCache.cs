namespace Resilience;

/// <summary>
/// A cache of another kind (or at another place) this node may have written before its set-up changed, read once at
/// start-up when the configured cache holds nothing usable: the file cache for a node now on LMDB, the LMDB cache for
/// a node back on the file (<c>MigrateFromLmdbCache()</c>), or one a host adds with <c>AddPreviousCache</c>. What it
/// holds goes through the whole pipeline and is then written to the configured cache; the old one is never changed.
/// </summary>
internal sealed class PreviousConfigCache(IConfigCache reader) : IDisposable
{
    private int _disposed;

    /// <summary>Gets the reader (only <see cref="IConfigCache.LoadAsync"/> and <see cref="IConfigCache.Description"/> are used).</summary>
    public IConfigCache Reader { get; } = reader;

    /// <summary>Releases what the reader holds (an open LMDB environment) once start-up no longer needs it; safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && Reader is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
