using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Resilience.Tests.History;

/// <summary>Data planes over a real <c>config.json.gz</c> cache (and its history) in a directory, as a node builds them.</summary>
internal static class HistoryPlanes
{
    public static FileConfigCache FileCache(TempDirectory dir, CacheEncryption? encryption = null, ILogger? logger = null) =>
        new(dir.Combine("data", FileConfigCache.DefaultFileName), 1 << 24, 1 << 24, TimeProvider.System, logger ?? NullLogger.Instance, encryption);

    public static DataPlane Plane(
        IConfigCache? cache,
        int depth = 5,
        TimeProvider? time = null,
        IDataPlaneConfigValidator? validator = null,
        ConfigSignatureCheck? signing = null,
        ILogger<DataPlane>? logger = null) => new(
        new ConfigPreparer(1 << 24, 1 << 24, new DeclarativeConfigOptions()),
        validator ?? new JsonOnlyConfigValidator(),
        cache,
        new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "history-test", NodeVersion = "1.0.0" })),
        time ?? TimeProvider.System,
        logger ?? NullLogger<DataPlane>.Instance,
        meterFactory: null,
        signatureCheck: signing,
        historyDepth: depth);

    public static DataPlane Plane(TempDirectory dir, int depth = 5, TimeProvider? time = null, CacheEncryption? encryption = null, IDataPlaneConfigValidator? validator = null, ConfigSignatureCheck? signing = null) =>
        Plane(FileCache(dir, encryption), depth, time, validator, signing);

    public static ConfigDocument Push(string name) => new(Configs.Json(name), ConfigFormat.Json, ConfigOrigin.ControlPlane) { Source = "test push", Version = name };

    public static string Hash(string name) => ConfigHash.Compute(Configs.Json(name));

    /// <summary>Restarts a node over the same directory: loads the cache and applies it as the chain does.</summary>
    public static async Task<DataPlane> RestartAsync(TempDirectory dir, int depth = 5, CacheEncryption? encryption = null)
    {
        var cache = FileCache(dir, encryption);
        var plane = Plane(cache, depth);
        await plane.LoadHistoryAsync();
        if (await cache.LoadAsync(default) is { } cached)
        {
            await plane.ApplyAsync(cached, default);
        }

        return plane;
    }
}
