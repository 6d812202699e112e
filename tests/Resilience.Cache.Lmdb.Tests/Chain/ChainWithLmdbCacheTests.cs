using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>The LMDB cache as tier 2 of a running chain: served at start-up when usable, skipped when not.</summary>
public sealed class ChainWithLmdbCacheTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new();

    private string CachePath => _temp.Combine("dbless.lmdb");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Restart_serves_the_config_the_control_plane_pushed_before()
    {
        var pushed = TestConfigs.Json("pushed-before-restart");
        using (var provider = Build())
        {
            var result = await provider.GetRequiredService<DataPlane>().ApplyAsync(new ConfigDocument(pushed, ConfigFormat.Json, ConfigOrigin.ControlPlane), default);
            Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        }

        using var restarted = Build(declarative: true);
        var dataPlane = await StartAsync(restarted);

        Assert.Equal(ConfigOrigin.Cache, dataPlane.State.ServingTier);
        Assert.Equal(pushed, dataPlane.Current?.Payload.ToArray());
    }

    [Fact]
    public async Task Corrupt_cache_at_start_up_falls_through_to_the_declarative_config()
    {
        Directory.CreateDirectory(CachePath);
        await File.WriteAllBytesAsync(Path.Combine(CachePath, "data.mdb"), RandomNumberGenerator.GetBytes(32 * 1024));

        using var provider = Build(declarative: true);
        var dataPlane = await StartAsync(provider);

        Assert.Equal(ConfigOrigin.Declarative, dataPlane.State.ServingTier);
    }

    [Fact]
    public async Task Altered_cached_payload_at_start_up_falls_through_to_the_declarative_config()
    {
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("cached", 32 * 1024)), default);
        }

        TestConfigs.Alter(Path.Combine(CachePath, "data.mdb"), "/cached/10\""u8.ToArray(), "/cached/99\""u8.ToArray());

        using var provider = Build(declarative: true);
        var dataPlane = await StartAsync(provider);

        Assert.Equal(ConfigOrigin.Declarative, dataPlane.State.ServingTier);
    }

    [Fact]
    public async Task Cache_encrypted_with_another_key_at_start_up_falls_through_to_the_declarative_config()
    {
        using (var cache = TestConfigs.Cache(CachePath, encryption: new CacheEncryption(RandomNumberGenerator.GetBytes(32))))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("sealed")), default);
        }

        using var provider = Build(declarative: true, key: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var dataPlane = await StartAsync(provider);

        Assert.Equal(ConfigOrigin.Declarative, dataPlane.State.ServingTier);
    }

    private ServiceProvider Build(bool declarative = false, string? key = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["DataDirectory"] = _temp.Path,
            ["Cache:Lmdb:Encryption:KeyEnvironmentVariable"] = "",
        };
        if (declarative)
        {
            var yaml = _temp.Combine("kong.yaml");
            File.WriteAllText(yaml, "name: declarative\nroutes:\n  - id: 1\n    path: /fallback\n", Encoding.UTF8);
            values["Declarative:Path"] = yaml;
        }

        if (key is not null)
        {
            values["Cache:Lmdb:Encryption:Key"] = key;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataPlaneResilience(new ConfigurationBuilder().AddInMemoryCollection(values).Build()).UseLmdbCache();
        return services.BuildServiceProvider();
    }

    private static async Task<DataPlane> StartAsync(ServiceProvider provider)
    {
        var chain = provider.GetRequiredService<DataPlaneChain>();
        await chain.StartAsync(default);
        await chain.Startup.WaitAsync(Deadline);
        await chain.StopAsync(default);
        return provider.GetRequiredService<DataPlane>();
    }
}
