namespace Resilience;

/// <summary>The LMDB cache's defaults in one place.</summary>
internal static class LmdbConfigCacheDefaults
{
    /// <summary>The cache directory's name in the data directory.</summary>
    public const string DirectoryName = "dbless.lmdb";

    /// <summary>1 GiB: address space, not disk; room for two copies of the largest configuration the chain accepts by default (256 MiB) during a write.</summary>
    public const long MapSize = 1L << 30;

    /// <summary>The smallest map accepted: 1 MiB.</summary>
    public const long MinMapSize = 1L << 20;

    /// <summary>LMDB's own default number of reader slots.</summary>
    public const int MaxReaders = 126;

    /// <summary>The configuration section under the chain's section.</summary>
    public const string Section = "Cache:Lmdb";

    /// <summary>The encryption section shared with the file cache; <c>Cache:Lmdb:Encryption</c> overrides it.</summary>
    public const string SharedEncryptionSection = "Cache:Encryption";
}
