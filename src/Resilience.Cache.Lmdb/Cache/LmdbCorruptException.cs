namespace Resilience;

/// <summary>The LMDB environment is corrupt or unreadable and could not be replaced by a new one.</summary>
internal sealed class LmdbCorruptException(string message, Exception? innerException = null) : IOException(message, innerException);
