using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.ControlPlane.Tests;

/// <summary>A control plane exporting what it publishes to a real file store, for each data-plane version.</summary>
public sealed class ControlPlaneExportTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "resilience-cp-export", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Control_plane_exports_the_latest_published_config_for_every_node_version()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, services: s => s.AddDataPlaneHubExport(o =>
        {
            o.Storage = new Uri(_store + "/").AbsoluteUri;
            o.NodeVersions.Add("1.0.0");
            o.NodeVersions.Add("2.0.0");
            o.NodeId = "cp-1";
            o.ExportDelay = TimeSpan.Zero;
            o.ElectionInterval = TimeSpan.FromMilliseconds(100);
            o.ElectionGrace = TimeSpan.FromMilliseconds(200);
        }));

        await cp.PublishAsync("""{"name":"first"}""");
        var latest = await cp.PublishAsync("""{"name":"second"}""");

        var store = new FileFallbackStore(_store);
        foreach (var version in new[] { "1.0.0", "2.0.0" })
        {
            StoredObject? exported = null;
            await Eventually.HoldsAsync(
                () => (exported = store.GetAsync(FallbackStoreKeys.Config(version), 1 << 20, default).AsTask().GetAwaiter().GetResult()) is { } o
                    && Encoding.UTF8.GetString(o.Content.Span).Contains("second", StringComparison.Ordinal),
                $"the store holds the latest config for {version}");
            Assert.Equal("""{"name":"second"}""", Encoding.UTF8.GetString(exported!.Content.Span));
            Assert.Equal("cp-1", exported.Metadata[FallbackImporter.ExporterMetadataKey]);
            Assert.Equal(latest.Hash, exported.Metadata["config-hash"]);
        }
    }

    [Fact]
    public void The_export_builder_takes_fallback_stores_but_not_the_data_planes_tiers()
    {
        var builder = new ServiceCollection().AddDataPlaneHubExport(o => o.NodeVersions.Add("1.0.0"));

        // Store packages extend IFallbackStoreBuilder; a cache or a cluster link (IDataPlaneResilienceBuilder) does not apply here.
        Assert.IsAssignableFrom<IFallbackStoreBuilder>(builder);
        Assert.False(builder is IDataPlaneResilienceBuilder, "the control plane's export builder must not offer UseLmdbCache() and the like");
        Assert.Null(builder.Configuration);
        Assert.Contains(builder.Services, d => d.ServiceType == typeof(IFallbackStoreFactory) && d.ImplementationType == typeof(FileFallbackStoreFactory));
    }

    [Fact]
    public async Task Export_without_a_storage_uri_fails_at_start()
    {
        var cp = ControlPlaneServer.Create(Pki.ServerCertificate, Pki.Hub, services: s => s.AddDataPlaneHubExport(o => o.NodeVersions.Add("1.0.0")));
        await using (cp)
        {
            await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(cp.StartAsync);
        }
    }

    [Fact]
    public async Task Export_with_a_grace_shorter_than_the_stores_retry_budget_fails_at_start()
    {
        var cp = ControlPlaneServer.Create(Pki.ServerCertificate, Pki.Hub, services: s =>
        {
            s.AddDataPlaneHubExport(o =>
            {
                o.Storage = new Uri(_store + "/").AbsoluteUri;
                o.NodeVersions.Add("1.0.0");
                o.ElectionGrace = TimeSpan.FromSeconds(5);
            });
            s.AddSingleton<IFallbackStoreFactory>(new RetryingFileStoreFactory(TimeSpan.FromSeconds(30)));
        });
        await using (cp)
        {
            var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(cp.StartAsync);
            Assert.Contains("ElectionGrace", error.Message, StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_store, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>A file store that declares a retry budget, as the cloud stores do.</summary>
    private sealed class RetryingFileStoreFactory(TimeSpan budget) : IFallbackStoreFactory
    {
        public string Scheme => "file";

        public IFallbackStore Create(Uri storage) => new RetryingStore(new FileFallbackStore(storage.LocalPath), budget);
    }

    private sealed class RetryingStore(IFallbackStore inner, TimeSpan budget) : IRetryingFallbackStore
    {
        public TimeSpan RetryBudget => budget;

        public string Description => inner.Description;

        public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) => inner.GetAsync(key, maxBytes, cancellationToken);

        public ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) => inner.PutAsync(key, content, metadata, cancellationToken);

        public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) => inner.ListAsync(keyPrefix, cancellationToken);

        public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
    }
}
