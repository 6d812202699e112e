namespace Resilience;

/// <summary>The chosen native LMDB library cannot be used in this process (not loadable, or another library was chosen first).</summary>
internal sealed class LmdbNativeLibraryException(string message) : Exception(message);
