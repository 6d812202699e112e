namespace Resilience;

/// <summary>The history's defaults and bounds in one place.</summary>
internal static class HistoryDefaults
{
    /// <summary>The sub-section of the chain's section that binds <see cref="HistoryOptions"/>.</summary>
    public const string SectionName = "History";

    /// <summary>Configurations kept by default.</summary>
    public const int Depth = 5;

    /// <summary>Standing rollbacks remembered (each refuses its hash): more than any operator stacks up.</summary>
    public const int MaxRefusals = 8;

    /// <summary>Hashes the node reverted once and will not revert again.</summary>
    public const int MaxReverted = 32;

    /// <summary>Reasons and actors are cut to this many characters (they come from callers and peers).</summary>
    public const int MaxTextLength = 512;

    /// <summary>The longest a history store call may take: the data plane's cache writes wait behind it.</summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Entries an index may hold when read (the options allow 100).</summary>
    public const int MaxEntries = 128;
}
