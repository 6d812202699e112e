using System.ComponentModel.DataAnnotations;

namespace Resilience.ControlPlane.Redis;

/// <summary>Where the control-plane replicas meet in Redis. Validated at start-up.</summary>
public sealed class RedisBackplaneOptions
{
    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration string, for example <c>redis.internal:6379,password=...,ssl=true</c>.
    /// Every replica of one control plane names the same Redis (a primary with replicas, or Sentinel).
    /// </summary>
    [Required]
    public string? Configuration { get; set; }

    /// <summary>
    /// Gets or sets the prefix of every key and channel, so control planes that are not replicas of each other can share a
    /// Redis. It is used as a Redis Cluster hash tag (all keys in one slot), so it may not contain braces.
    /// Default: <c>resilience-control-plane</c>.
    /// </summary>
    [Required]
    [RegularExpression("^[^{}]{1,200}$")]
    public string KeyPrefix { get; set; } = RedisBackplaneDefaults.KeyPrefix;

    /// <summary>
    /// Gets or sets how many recently published configurations (the latest included) Redis keeps, so that a data plane
    /// that moves to another replica still gets a delta from the configuration it serves. 0 keeps none. Default: 8.
    /// </summary>
    [Range(0, 1000)]
    public int RecentConfigs { get; set; } = RedisBackplaneDefaults.RecentConfigs;

    /// <summary>Gets or sets how long one connection attempt to Redis may take. Default: 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = RedisBackplaneDefaults.ConnectTimeout;

    /// <summary>
    /// Gets or sets how long one Redis command may take before it fails (a publish then fails with
    /// <see cref="ControlPlaneBackplaneException"/>). Commands are not queued while Redis is unreachable: they fail at once.
    /// Default: 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan OperationTimeout { get; set; } = RedisBackplaneDefaults.OperationTimeout;
}
