namespace Resilience;

/// <summary>LMDB cannot open the cache directory for a reason that is not about its files (permissions, disk, memory); the directory is kept.</summary>
internal sealed class LmdbUnavailableException(string message, Exception? inner = null) : IOException(message, inner);
