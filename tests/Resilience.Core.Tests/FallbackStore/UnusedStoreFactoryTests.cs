using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Resilience.Tests.FallbackStore;

/// <summary>
/// A store package a node references but does not use costs nothing at start-up: without a storage URI its factory is
/// never created (the S3 factory's creation loads the AWS SDK). With one, the factory of its scheme is created and checked.
/// </summary>
public sealed class UnusedStoreFactoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Without_a_storage_uri_no_store_factory_is_created()
    {
        var created = new Creations();

        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir), b => b.AddFallbackStoreFactory<CountingFactory>(), s => s.AddSingleton(created));

        Assert.Equal(0, created.Count);
    }

    [Fact]
    public async Task With_a_storage_uri_the_factories_are_created_and_its_scheme_is_checked()
    {
        var created = new Creations();
        var settings = ChainNode.Settings(_dir, store: "counting://bucket/prefix", import: true);

        await using var node = await ChainNode.StartAsync(settings, b => b.AddFallbackStoreFactory<CountingFactory>(), s => s.AddSingleton(created));

        Assert.True(created.Count >= 1);
        var validator = node.Services.GetServices<IValidateOptions<FallbackStoreOptions>>().OfType<FallbackStoreOptionsValidator>().Single();
        var unknown = validator.Validate(null, new FallbackStoreOptions { Storage = "nowhere://bucket" });
        Assert.True(unknown.Failed);
        Assert.Contains("counting://", unknown.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("file://", unknown.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new FallbackStoreOptions { Storage = "counting://other" }).Succeeded);
    }

    public void Dispose() => _dir.Dispose();

    private sealed class Creations
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }

    private sealed class CountingFactory : IFallbackStoreFactory
    {
        public CountingFactory(Creations created) => created.Add();

        public string Scheme => "counting";

        public IFallbackStore Create(Uri storage) => new InMemoryFallbackStore(TimeProvider.System);
    }
}
