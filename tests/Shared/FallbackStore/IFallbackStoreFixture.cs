using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Tests.FallbackStore;

/// <summary>What the shared behaviour suite needs from a store under test (S3 on s3rver, GCS on the strict test server, a directory).</summary>
public interface IFallbackStoreFixture
{
    /// <summary>A storage URI with a prefix no other test uses.</summary>
    string NewStorageUri();

    /// <summary>A store for <paramref name="storageUri"/>, created by the store's own factory with the fixture's settings.</summary>
    IFallbackStore CreateStore(string storageUri);

    /// <summary>Registers the store's package on a node (its <c>Use...FallbackStore</c> method with the fixture's endpoint and credentials).</summary>
    void UseStore(IDataPlaneResilienceBuilder builder);

    /// <summary>A storage URI and a registration of the store's package such that the store cannot be reached (with a small retry budget).</summary>
    (string Storage, Action<IDataPlaneResilienceBuilder> Use) UnreachableStore();
}
