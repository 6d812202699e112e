using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.Cache.Lmdb.Tests;

public sealed class UseLmdbCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Gzip_file_cache_stays_the_default()
    {
        using var provider = Build(new Dictionary<string, string?>(), lmdb: false);

        Assert.IsType<FileConfigCache>(provider.GetRequiredService<IConfigCache>());
    }

    [Fact]
    public void UseLmdbCache_replaces_the_file_cache_with_dbless_lmdb_in_the_data_directory()
    {
        using var provider = Build(new Dictionary<string, string?>());

        var cache = Assert.IsType<LmdbConfigCache>(provider.GetRequiredService<IConfigCache>());
        Assert.Equal(Path.Combine(_temp.Path, "dbless.lmdb"), cache.Description);
        Assert.Equal(LmdbConfigCacheDefaults.MapSize, cache.MapSize);
    }

    [Fact]
    public void Options_bind_from_the_Cache_Lmdb_section_then_the_delegate_runs()
    {
        var path = _temp.Combine("elsewhere/cache.lmdb");
        using var provider = Build(
            new Dictionary<string, string?> { ["Cache:Lmdb:Path"] = path, ["Cache:Lmdb:MapSize"] = "33554432", ["Cache:Lmdb:MaxReaders"] = "10" },
            configure: o => o.MaxReaders = 12);

        var options = provider.GetRequiredService<IOptions<LmdbConfigCacheOptions>>().Value;
        Assert.Equal(path, options.Path);
        Assert.Equal(32L * 1024 * 1024, options.MapSize);
        Assert.Equal(12, options.MaxReaders);
        Assert.Equal(path, provider.GetRequiredService<IConfigCache>().Description);
    }

    [Fact]
    public void Encryption_key_binds_from_the_Cache_Lmdb_Encryption_section()
    {
        var key = Convert.ToBase64String(new byte[32]);
        using var provider = Build(new Dictionary<string, string?> { ["Cache:Lmdb:Encryption:Key"] = key, ["Cache:Lmdb:Encryption:KeyEnvironmentVariable"] = "" });

        var options = provider.GetRequiredService<IOptions<LmdbConfigCacheOptions>>().Value;
        Assert.Equal(key, options.Encryption.Key);
        Assert.Equal("", options.Encryption.KeyEnvironmentVariable);
    }

    [Fact]
    public void Encryption_key_from_the_shared_Cache_Encryption_section_applies_and_Cache_Lmdb_Encryption_overrides_it()
    {
        var shared = Convert.ToBase64String(new byte[32]);
        var own = Convert.ToBase64String(new byte[16]);
        using (var provider = Build(new Dictionary<string, string?> { ["Cache:Encryption:Key"] = shared }))
        {
            Assert.Equal(shared, provider.GetRequiredService<IOptions<LmdbConfigCacheOptions>>().Value.Encryption.Key);
        }

        using (var provider = Build(new Dictionary<string, string?> { ["Cache:Encryption:Key"] = shared, ["Cache:Lmdb:Encryption:Key"] = own }))
        {
            Assert.Equal(own, provider.GetRequiredService<IOptions<LmdbConfigCacheOptions>>().Value.Encryption.Key);
        }
    }

    [Theory]
    [InlineData("Cache:Lmdb:MapSize", "4096", "MapSize")]
    [InlineData("Cache:Lmdb:MaxReaders", "0", "MaxReaders")]
    [InlineData("Cache:Lmdb:Encryption:Key", "not base64!", "not base64")]
    [InlineData("Cache:Lmdb:Encryption:Key", "AAAA", "decodes to 3 bytes")]
    [InlineData("Cache:Lmdb:NativeLibrary", "7", "must be Auto, Bundled or System")]
    public void Invalid_options_fail_at_start_up(string key, string value, string expected)
    {
        using var provider = Build(new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LmdbConfigCacheOptions>>().Value);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void NativeLibrary_binds_from_the_Cache_Lmdb_section_and_defaults_to_Auto()
    {
        using (var provider = Build(new Dictionary<string, string?>()))
        {
            Assert.Equal(LmdbNativeLibrary.Auto, provider.GetRequiredService<IOptions<LmdbConfigCacheOptions>>().Value.NativeLibrary);
        }

        using (var provider = Build(new Dictionary<string, string?> { ["Cache:Lmdb:NativeLibrary"] = "System" }))
        {
            Assert.Equal(LmdbNativeLibrary.System, provider.GetRequiredService<IOptions<LmdbConfigCacheOptions>>().Value.NativeLibrary);
        }
    }

    [Fact]
    public async Task Bundled_native_library_stops_start_up_with_a_clear_error_on_this_Debian_12_machine()
    {
        // LightningDB's liblmdb.so needs glibc 2.38; Debian 12 has 2.36 (docs/operations.md).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddDataPlaneResilience(Section(new Dictionary<string, string?> { ["Cache:Lmdb:NativeLibrary"] = "Bundled" })).UseLmdbCache();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Cache:Lmdb:NativeLibrary", error.Message);
        Assert.Contains("bundled with LightningDB does not load", error.Message);
        Assert.Contains("GLIBC_2.38", error.Message); // the loader's own words
        Assert.Contains("choose System", error.Message);
    }

    [Fact]
    public async Task System_native_library_passes_start_up_validation_and_caches_with_liblmdb_so_0()
    {
        using var provider = Build(new Dictionary<string, string?> { ["Cache:Lmdb:NativeLibrary"] = "System" });

        provider.GetRequiredService<IStartupValidator>().Validate();
        var cache = provider.GetRequiredService<IConfigCache>();
        var payload = TestConfigs.Json("system-library");
        await cache.SaveAsync(TestConfigs.Snapshot(payload), default);

        Assert.Equal(payload, (await cache.LoadAsync(default))?.Content.ToArray());
        Assert.Equal("system liblmdb.so.0", LmdbNativeLibraryResolver.Loaded);
    }

    [Fact]
    public void Calling_UseLmdbCache_twice_is_harmless()
    {
        var services = new ServiceCollection();
        var builder = services.AddDataPlaneResilience(Section(new Dictionary<string, string?>())).UseLmdbCache().UseLmdbCache();

        Assert.Single(services, d => d.ServiceType == typeof(IConfigCache));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<LmdbConfigCacheOptions>));
        Assert.NotNull(builder);
    }

    [Fact]
    public async Task Config_too_large_for_the_map_is_served_counted_as_a_cache_write_failure_and_the_cached_one_stays()
    {
        using var provider = Build(new Dictionary<string, string?> { ["Cache:Lmdb:MapSize"] = "1048576" });
        var dataPlane = provider.GetRequiredService<DataPlane>();
        using var failures = new MetricCollector<long>(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Resilience.DataPlane", "resilience.cache.write_failures");
        var small = TestConfigs.Json("small");
        var huge = TestConfigs.Json("huge", 2 * 1024 * 1024);

        Assert.Equal(ApplyOutcome.Applied, (await dataPlane.ApplyAsync(new ConfigDocument(small, ConfigFormat.Json, ConfigOrigin.ControlPlane), default)).Outcome);
        var result = await dataPlane.ApplyAsync(new ConfigDocument(huge, ConfigFormat.Json, ConfigOrigin.ControlPlane), default);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal(huge, dataPlane.Current?.Payload.ToArray());
        Assert.Equal(1, failures.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(small, (await provider.GetRequiredService<IConfigCache>().LoadAsync(default))?.Content.ToArray());
    }

    private ServiceProvider Build(Dictionary<string, string?> values, bool lmdb = true, Action<LmdbConfigCacheOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        var builder = services.AddDataPlaneResilience(Section(values));
        if (lmdb)
        {
            builder.UseLmdbCache(configure);
        }

        return services.BuildServiceProvider();
    }

    private IConfiguration Section(Dictionary<string, string?> values)
    {
        values.TryAdd("DataDirectory", _temp.Path);
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }
}
