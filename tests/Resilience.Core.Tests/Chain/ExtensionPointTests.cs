using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Resilience.Tests.FallbackStore;

namespace Resilience.Tests.Chain;

/// <summary>Custom tiers that throw cost their tier, never the host's start: each failure is logged with an event id and the chain moves on.</summary>
public sealed class ExtensionPointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("InvalidOperationException")]
    [InlineData("NullReferenceException")]
    [InlineData("OperationCanceledException")]
    public async Task Config_source_that_throws_anything_is_logged_and_the_next_source_serves(string thrown)
    {
        await using var node = await ChainNode.StartAsync(
            ChainNode.Settings(_dir),
            b => b.AddConfigSource(new ThrowingSource(thrown)).AddConfigSource(new FixedSource("second")),
            s => s.AddFakeLogging());

        Assert.Equal("second", Configs.NameOf(node.DataPlane.Current));
        Assert.True(node.DataPlane.State.StartupCompleted);
        Assert.Contains(Logs(node), r => r.Id.Id == 4002 && r.Exception?.GetType().Name == thrown);
    }

    [Fact]
    public async Task Config_source_that_hangs_is_skipped_after_the_startup_timeout()
    {
        var settings = ChainNode.Settings(_dir);
        settings["Resilience:StartupTimeout"] = "00:00:01";

        await using var node = await ChainNode.StartAsync(settings, b => b.AddConfigSource(new HangingSource()).AddConfigSource(new FixedSource("second")), s => s.AddFakeLogging());

        Assert.Equal("second", Configs.NameOf(node.DataPlane.Current));
        Assert.Contains(Logs(node), r => r.Id.Id == 4002 && r.Exception is TimeoutException);
    }

    [Fact]
    public async Task Cache_that_throws_on_load_is_logged_and_the_chain_moves_on()
    {
        var yaml = await YamlAsync("from-yaml");

        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml), b => b.UseCache<ThrowingCache>(), s => s.AddFakeLogging());

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
        var logs = Logs(node);
        Assert.Contains(logs, r => r.Id.Id == 2003);
        Assert.Contains(logs, r => r.Id.Id == 2001); // the save after the YAML apply threw too, and was logged
    }

    [Fact]
    public async Task Cache_that_cannot_be_created_is_logged_and_the_chain_runs_without_it()
    {
        var yaml = await YamlAsync("from-yaml");

        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml), b => b.UseCache<UnconstructibleCache>(), s => s.AddFakeLogging());

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
        Assert.Contains(Logs(node), r => r.Id.Id == 1031);
    }

    [Fact]
    public async Task Cluster_link_that_throws_is_logged_and_the_next_tier_serves()
    {
        var yaml = await YamlAsync("from-yaml");

        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml), b => b.UseClusterLink<ThrowingLink>(), s => s.AddFakeLogging());

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
        Assert.Contains(Logs(node), r => r.Id.Id == 1021);
    }

    [Fact]
    public async Task Custom_store_scheme_registered_with_AddFallbackStoreFactory_is_accepted_and_imported_from()
    {
        var settings = ChainNode.Settings(_dir, store: "mem://bucket/prefix", import: true);

        await using var node = await ChainNode.StartAsync(settings, b => b.AddFallbackStoreFactory<MemoryStoreFactory>());

        Assert.Equal("from-mem", Configs.NameOf(node.DataPlane.Current));
        Assert.Equal(ConfigOrigin.FallbackStore, node.DataPlane.State.ServingTier);
    }

    [Fact]
    public async Task Store_scheme_no_factory_handles_fails_validation_naming_the_registered_ones()
    {
        var settings = ChainNode.Settings(_dir, store: "mem://bucket/prefix", import: true);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ChainNode.StartAsync(settings));

        Assert.Contains("'mem://'", error.Message);
        Assert.Contains("registered: file://", error.Message);
    }

    [Fact]
    public async Task Store_registered_directly_serves_a_scheme_no_factory_handles()
    {
        // A directly registered IFallbackStore wins over the factories, so the scheme check must not refuse its URI.
        var settings = ChainNode.Settings(_dir, store: "mem://bucket/prefix", import: true);

        await using var node = await ChainNode.StartAsync(settings, services: s => s.AddSingleton<IFallbackStore>(new MemoryStoreFactory().Create(new Uri("mem://bucket/prefix"))));

        Assert.Equal("from-mem", Configs.NameOf(node.DataPlane.Current));
        Assert.Equal(ConfigOrigin.FallbackStore, node.DataPlane.State.ServingTier);
    }

    [Fact]
    public async Task Store_factory_that_throws_is_logged_and_the_chain_moves_on()
    {
        var yaml = await YamlAsync("from-yaml");
        var settings = ChainNode.Settings(_dir, yaml, store: "boom://x", import: true);

        await using var node = await ChainNode.StartAsync(settings, b => b.AddFallbackStoreFactory<ThrowingStoreFactory>(), s => s.AddFakeLogging());

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
        Assert.Contains(Logs(node), r => r.Id.Id == 3004);
    }

    [Fact]
    public async Task AddDataPlaneResilience_called_twice_runs_one_chain_with_both_configurations()
    {
        var yaml = await YamlAsync("from-yaml");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddLogging();
        builder.Services.AddDataPlaneResilience(o =>
        {
            o.DataDirectory = _dir.Combine("data");
            o.NodeVersion = "1.0.0";
        });
        builder.Services.AddDataPlaneResilience(o => o.NodeId = "twice").AddConfigSource(new FixedSource("added"));
        builder.Services.Configure<DeclarativeConfigOptions>(o => o.Path = yaml);
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<DataPlaneChain>().Startup.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(host.Services.GetServices<IHostedService>().OfType<DataPlaneChain>());
        Assert.Equal(2, host.Services.GetServices<IConfigSource>().Count());
        var plane = host.Services.GetRequiredService<IDataPlane>();
        Assert.Equal("from-yaml", Configs.NameOf(plane.Current));
        Assert.Equal("twice", host.Services.GetRequiredService<DataPlane>().Node.NodeId);
        await host.StopAsync();
    }

    public void Dispose() => _dir.Dispose();

    private static IReadOnlyList<FakeLogRecord> Logs(ChainNode node) => node.Services.GetFakeLogCollector().GetSnapshot();

    private async Task<string> YamlAsync(string name)
    {
        var path = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(path, Configs.Yaml(name));
        return path;
    }

    private sealed class ThrowingSource(string thrown) : IConfigSource
    {
        public string Description => "throwing source";

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) => thrown switch
        {
            nameof(NullReferenceException) => throw new NullReferenceException("bug"),
            nameof(OperationCanceledException) => throw new OperationCanceledException("its own timeout"),
            _ => throw new InvalidOperationException("bug"),
        };
    }

    private sealed class HangingSource : IConfigSource
    {
        public string Description => "hanging source";

        public async ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        }
    }

    private sealed class FixedSource(string name) : IConfigSource
    {
        public string Description => $"fixed {name}";

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<ConfigDocument?>(new ConfigDocument(Configs.Json(name), ConfigFormat.Json, ConfigOrigin.Declarative));
    }

    private sealed class ThrowingCache : IConfigCache
    {
        public string Description => "throwing cache";

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("cache bug");

        public ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken) => throw new OperationCanceledException("cache gave up");

        public ValueTask ClearAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class UnconstructibleCache : IConfigCache
    {
        public UnconstructibleCache() => throw new InvalidOperationException("cannot open");

        public string Description => "never";

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) => default;

        public ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken) => default;

        public ValueTask ClearAsync(CancellationToken cancellationToken) => default;
    }

    private sealed class ThrowingLink : IClusterLink
    {
        public Task RunAsync(IClusterLinkContext context, CancellationToken cancellationToken) => throw new InvalidOperationException("link bug");
    }

    private sealed class MemoryStoreFactory : IFallbackStoreFactory
    {
        public string Scheme => "mem";

        public IFallbackStore Create(Uri storage)
        {
            var store = new InMemoryFallbackStore(TimeProvider.System);
            store.PutAsync(FallbackStoreKeys.Config("1.0.0"), Configs.Json("from-mem"), new Dictionary<string, string>(), default).AsTask().GetAwaiter().GetResult();
            return store;
        }
    }

    private sealed class ThrowingStoreFactory : IFallbackStoreFactory
    {
        public string Scheme => "boom";

        public IFallbackStore Create(Uri storage) => throw new InvalidOperationException("no credentials");
    }
}
