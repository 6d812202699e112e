using Microsoft.Extensions.Logging.Abstractions;
using Resilience;

// Usage:
//   Resilience.CrashWriter <cache-file>                 writes the gzip file cache in a loop until killed
//   Resilience.CrashWriter <cache-directory> lmdb       the same with the LMDB cache; prints "ready" after the first durable write
//   Resilience.CrashWriter lmdb-fuzz <base data.mdb> <work-dir> <first-seed> <count>
//                                                       opens damaged copies of a data file, one seed after another
//   Resilience.CrashWriter lmdb-open <cache-directory>  opens one cache directory as a node does (load, save, load)
//   Resilience.CrashWriter history <cache-file | cache-directory> [lmdb]
//                                                       applies three configurations in turn through a data plane with a
//                                                       history of depth 3 (cache write + history write each), until killed
switch (args)
{
    case ["history", var path, .. var rest]:
        return await HistoryWriter.RunAsync(path, rest is ["lmdb"]);
    case ["lmdb-fuzz", var baseFile, var work, var first, var count]:
        return await LmdbFuzzRunner.RunAsync(baseFile, work, int.Parse(first, System.Globalization.CultureInfo.InvariantCulture), int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
    case ["lmdb-open", var directory]:
        return await LmdbFuzzRunner.OpenOneAsync(directory);
    case [_] or [_, "lmdb"]:
        break;
    default:
        Console.Error.WriteLine("usage: Resilience.CrashWriter <cache-file> | <cache-directory> lmdb | lmdb-fuzz <base data.mdb> <work-dir> <first-seed> <count> | lmdb-open <cache-directory>");
        return 2;
}

// Writes two configurations to the cache alternately, forever; prints "ready" after the first
// write is durable, so the parent knows a valid cache exists before it starts killing.
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
