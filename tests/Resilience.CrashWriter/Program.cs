using Microsoft.Extensions.Logging.Abstractions;
using Resilience;

// Usage: Resilience.CrashWriter <cache-file>
// Writes two configurations to the cache alternately, forever; prints "ready" after the first
// write is durable, so the parent knows a valid cache exists before it starts killing.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Resilience.CrashWriter <cache-file>");
    return 2;
}

var cache = new FileConfigCache(args[0], long.MaxValue, long.MaxValue, TimeProvider.System, NullLogger.Instance);
var configs = CrashWriterConfigs.All.Select(c => new ConfigSnapshot(c, ConfigHash.Compute(c), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow)).ToArray();
await cache.SaveAsync(configs[0], CancellationToken.None);
Console.WriteLine("ready");
Console.Out.Flush();
for (var i = 1; ; i++)
{
    await cache.SaveAsync(configs[i % configs.Length], CancellationToken.None);
}
