using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Resilience.Tests.Azurite;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.Azure.Tests;

/// <summary>One real Azurite for the test class, with one container; each test gets its own prefix in it.</summary>
public sealed class AzuriteFixture : IFallbackStoreFixture, IAsyncLifetime
{
    public const string Container = "resilience-test";

    public AzuriteServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = AzuriteServer.Start();
        await Server.CreateContainerAsync(Container);
    }

    public Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }

    public string NewStorageUri() => $"azure://{Container}/run-{Guid.NewGuid():N}/fallback";

    public AzureFallbackStoreOptions Configure(AzureFallbackStoreOptions options)
    {
        options.ConnectionString = Server.ConnectionString;
        return options;
    }

    public AzureFallbackStoreOptions Options() => Configure(new AzureFallbackStoreOptions());

    /// <summary>A client of the development account, for what the store itself does not do (read raw blobs, create containers, sign SAS).</summary>
    public BlobContainerClient RawContainer() => new BlobServiceClient(Server.ConnectionString).GetBlobContainerClient(Container);

    public IFallbackStore CreateStore(string storageUri) => CreateStore(storageUri, Options());

    public static IFallbackStore CreateStore(string storageUri, AzureFallbackStoreOptions options, TimeProvider? clock = null) =>
        new AzureFallbackStoreFactory(Microsoft.Extensions.Options.Options.Create(options), clock ?? TimeProvider.System, null, null, _ => null).Create(new Uri(storageUri));

    public void UseStore(IDataPlaneResilienceBuilder builder) => builder.UseAzureFallbackStore(o => Configure(o));

    public (string Storage, Action<IDataPlaneResilienceBuilder> Use) UnreachableStore()
    {
        var closed = ScriptedHttpServer.ClosedPort();
        return (NewStorageUri(), b => b.UseAzureFallbackStore(o =>
        {
            o.ConnectionString = AzuriteServer.ConnectionStringFor(closed);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
            o.AttemptTimeout = TimeSpan.FromMilliseconds(500);
            o.TotalTimeout = TimeSpan.FromSeconds(2);
        }));
    }
}

public sealed class AzureFallbackStoreBehaviourTests(AzuriteFixture fixture) : FallbackStoreBehaviourTests<AzuriteFixture>(fixture)
{
}
