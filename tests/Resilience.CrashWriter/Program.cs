using Microsoft.Extensions.Logging.Abstractions;
using Resilience;

// Usage: Resilience.CrashWriter <cache-file> | Resilience.CrashWriter <cache-directory> lmdb
// Writes two configurations to the cache alternately, forever; prints "ready" after the first
// write is durable, so the parent knows a valid cache exists before it starts killing.
if (args.Length is not (1 or 2) || (args.Length == 2 && args[1] != "lmdb"))
{
    Console.Error.WriteLine("usage: Resilience.CrashWriter <cache-file> | Resilience.CrashWriter <cache-directory> lmdb");
    return 2;
}

IConfigCache cache = args.Length == 2
    ? new LmdbConfigCache(args[0], new LmdbConfigCacheOptions(), long.MaxValue, null, TimeProvider.System, NullLogger.Instance)
    : new FileConfigCache(args[0], long.MaxValue, long.MaxValue, TimeProvider.System, NullLogger.Instance);
var configs = CrashWriterConfigs.All.Select(c => new ConfigSnapshot(c, ConfigHash.Compute(c), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow)).ToArray();
await cache.SaveAsync(configs[0], CancellationToken.None);
Console.WriteLine("ready");
Console.Out.Flush();
for (var i = 1; ; i++)
{
    await cache.SaveAsync(configs[i % configs.Length], CancellationToken.None);
}
