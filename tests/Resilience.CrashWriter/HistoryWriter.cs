using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Resilience;

/// <summary>Applies the history configurations in turn through a real data plane (cache and history writes) until killed.</summary>
internal static class HistoryWriter
{
    public const int Depth = 3;

    public static async Task<int> RunAsync(string path, bool lmdb)
    {
        IConfigCache cache = lmdb
            ? new LmdbConfigCache(path, new LmdbConfigCacheOptions(), long.MaxValue, null, TimeProvider.System, NullLogger.Instance)
            : new FileConfigCache(path, long.MaxValue, long.MaxValue, TimeProvider.System, NullLogger.Instance);
        using var plane = new DataPlane(
            new ConfigPreparer(long.MaxValue, long.MaxValue, new DeclarativeConfigOptions()),
            new JsonOnlyConfigValidator(),
            cache,
            new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "crash-writer", NodeVersion = "1.0.0" })),
            TimeProvider.System,
            NullLogger<DataPlane>.Instance,
            meterFactory: null,
            historyDepth: Depth);
        await plane.LoadHistoryAsync();
        var configs = CrashWriterConfigs.History;
        await plane.ApplyAsync(new ConfigDocument(configs[0], ConfigFormat.Json, ConfigOrigin.ControlPlane), CancellationToken.None);
        Console.WriteLine("ready");
        Console.Out.Flush();
        for (var i = 1; ; i++)
        {
            // Every fourth step a rollback: the index then also records how an entry ended and a standing refusal.
            if (i % 4 == 0 && plane.History.Count > 1)
            {
                await plane.RollbackAsync(plane.History[1].Hash, "crash test", CancellationToken.None);
            }
            else
            {
                await plane.ApplyAsync(new ConfigDocument(configs[i % configs.Count], ConfigFormat.Json, ConfigOrigin.Manual), CancellationToken.None);
            }
        }
    }
}
