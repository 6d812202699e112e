namespace Resilience;

/// <summary>Which native LMDB library the LMDB cache loads (<see cref="LmdbConfigCacheOptions.NativeLibrary"/>).</summary>
/// <remarks>
/// The two libraries write different, mutually unreadable file formats: the one bundled with LightningDB is LMDB 1.x
/// (data version 2), the system's <c>liblmdb.so.0</c> on Debian 12 and Ubuntu 22.04 is LMDB 0.9 (data version 1). A
/// fleet that copies cache directories between nodes picks one explicitly, so every node reads every node's files.
/// The choice is made once per process (.NET lets a native library resolver be set once per assembly): the first LMDB
/// cache to open decides, and a later cache in the same process with a different explicit choice fails with a clear
/// error instead of silently using the other library.
/// </remarks>
public enum LmdbNativeLibrary
{
    /// <summary>The library bundled with LightningDB when it loads (glibc 2.38 or newer), else the system's <c>liblmdb.so.0</c>. The default.</summary>
    Auto,

    /// <summary>Only the library bundled with LightningDB (LMDB 1.x); start-up fails when it does not load.</summary>
    Bundled,

    /// <summary>Only the system library, <c>liblmdb.so.0</c> (Debian/Ubuntu package <c>liblmdb0</c>, LMDB 0.9); start-up fails when it is not installed.</summary>
    System,
}
