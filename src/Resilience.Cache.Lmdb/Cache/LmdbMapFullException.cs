namespace Resilience;

/// <summary>
/// A configuration does not fit the LMDB map. Thrown by the cache's save; the chain logs it and counts
/// it in <c>resilience.cache.write_failures</c>, and the previous cached configuration stays.
/// </summary>
internal sealed class LmdbMapFullException(string message) : IOException(message);
