namespace Resilience.ControlPlane.Redis;

/// <summary>The Redis backplane's defaults and key names in one place.</summary>
internal static class RedisBackplaneDefaults
{
    public const string KeyPrefix = "resilience-control-plane";
    public const string ClientName = "resilience-control-plane";
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The hash that holds the fleet's latest configuration.</summary>
    public static string ConfigKey(string prefix) => $"{{{prefix}}}:config";

    /// <summary>The list of recently published configurations' hashes, newest first.</summary>
    public static string RecentKey(string prefix) => $"{{{prefix}}}:recent";

    /// <summary>The key prefix of one recently published configuration (followed by its hash).</summary>
    public static string RecentItemPrefix(string prefix) => $"{{{prefix}}}:recent:";

    /// <summary>How many recently published configurations are kept for deltas, the latest included.</summary>
    public const int RecentConfigs = 8;

    /// <summary>The channel a publish is announced on (the revision as text).</summary>
    public static string Channel(string prefix) => $"{{{prefix}}}:published";

    /// <summary>The set of replicas that reported data planes.</summary>
    public static string ReplicasKey(string prefix) => $"{{{prefix}}}:replicas";

    /// <summary>The key prefix of each replica's registry report (followed by its id).</summary>
    public static string ReportKeyPrefix(string prefix) => $"{{{prefix}}}:dataplanes:";
}
