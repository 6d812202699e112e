using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.DependencyInjection;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.Gcs.Tests;

/// <summary>One strict GCS test server for the test class; each test gets its own prefix in the bucket. Credentials go through the real service-account flow.</summary>
public sealed class GcsFixture : IFallbackStoreFixture, IAsyncLifetime
{
    public const string Bucket = "resilience-test";

    public GcsTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GcsTestServer.StartAsync(Bucket);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public string NewStorageUri() => $"gcs://{Bucket}/run-{Guid.NewGuid():N}/fallback";

    public GcsFallbackStoreOptions Configure(GcsFallbackStoreOptions options)
    {
        options.Endpoint = Server.Endpoint;
        options.ServiceAccountJson = Server.ServiceAccountJson();
        return options;
    }

    public GcsFallbackStoreOptions Options() => Configure(new GcsFallbackStoreOptions());

    public IFallbackStore CreateStore(string storageUri) => CreateStore(storageUri, Options());

    public static IFallbackStore CreateStore(string storageUri, GcsFallbackStoreOptions options) =>
        new GcsFallbackStoreFactory(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System).Create(new Uri(storageUri));

    public void UseStore(IDataPlaneResilienceBuilder builder) => builder.UseGcsFallbackStore(o => Configure(o));

    public (string Storage, Action<IDataPlaneResilienceBuilder> Use) UnreachableStore()
    {
        var closed = $"http://127.0.0.1:{ScriptedHttpServer.ClosedPort()}";
        return (NewStorageUri(), b => b.UseGcsFallbackStore(o =>
        {
            o.Endpoint = closed;
            o.Credential = GoogleCredential.FromAccessToken("unused");
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
            o.AttemptTimeout = TimeSpan.FromMilliseconds(500);
            o.TotalTimeout = TimeSpan.FromSeconds(2);
        }));
    }
}

public sealed class GcsFallbackStoreBehaviourTests(GcsFixture fixture) : FallbackStoreBehaviourTests<GcsFixture>(fixture)
{
}
