using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Resilience.Tests.FallbackStore;
using Resilience.Tests.S3rver;

namespace Resilience.Storage.S3.Tests;

/// <summary>One real s3rver for the test class; each test gets its own prefix in the bucket.</summary>
public sealed class S3rverFixture : IFallbackStoreFixture, IDisposable
{
    public const string Bucket = "resilience-test";

    public S3rverFixture()
    {
        Server = S3rverServer.Start(Bucket);
    }

    public S3rverServer Server { get; }

    public string NewStorageUri() => $"s3://{Bucket}/run-{Guid.NewGuid():N}/fallback";

    public S3FallbackStoreOptions Options() => Configure(new S3FallbackStoreOptions());

    public S3FallbackStoreOptions Configure(S3FallbackStoreOptions options)
    {
        options.Endpoint = Server.Endpoint;
        options.Region = "us-east-1";
        options.Credentials = new BasicAWSCredentials(S3rverServer.AccessKey, S3rverServer.SecretKey);
        return options;
    }

    public IFallbackStore CreateStore(string storageUri) => CreateStore(storageUri, Options());

    public static IFallbackStore CreateStore(string storageUri, S3FallbackStoreOptions options) =>
        new S3FallbackStoreFactory(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System).Create(new Uri(storageUri));

    public void UseStore(IDataPlaneResilienceBuilder builder) => builder.UseS3FallbackStore(o => Configure(o));

    public (string Storage, Action<IDataPlaneResilienceBuilder> Use) UnreachableStore()
    {
        var closed = $"http://127.0.0.1:{ScriptedHttpServer.ClosedPort()}";
        return (NewStorageUri(), b => b.UseS3FallbackStore(o =>
        {
            Configure(o);
            o.Endpoint = closed;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
            o.AttemptTimeout = TimeSpan.FromMilliseconds(500);
            o.TotalTimeout = TimeSpan.FromSeconds(2);
        }));
    }

    public void Dispose() => Server.Dispose();
}

public sealed class S3FallbackStoreBehaviourTests(S3rverFixture fixture) : FallbackStoreBehaviourTests<S3rverFixture>(fixture)
{
}
