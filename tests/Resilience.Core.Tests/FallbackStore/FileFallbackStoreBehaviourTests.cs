using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Tests.FallbackStore;

/// <summary>A directory per test under the temp directory, through the core's <c>file://</c> factory.</summary>
public sealed class FileStoreFixture : IFallbackStoreFixture, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "resilience-file-store-" + Guid.NewGuid().ToString("N"));

    public string NewStorageUri() => new Uri(Path.Combine(_root, Guid.NewGuid().ToString("N"))).AbsoluteUri;

    public IFallbackStore CreateStore(string storageUri) => new FileFallbackStoreFactory().Create(new Uri(storageUri));

    public void UseStore(IDataPlaneResilienceBuilder builder)
    {
        // file:// is built into the core.
    }

    /// <summary>For a directory store, unreachable means the shared volume is not mounted: the directory does not exist.</summary>
    public (string Storage, Action<IDataPlaneResilienceBuilder> Use) UnreachableStore() =>
        (new Uri(Path.Combine(_root, "not-mounted", Guid.NewGuid().ToString("N"))).AbsoluteUri, _ => { });

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}

public sealed class FileFallbackStoreBehaviourTests(FileStoreFixture fixture) : FallbackStoreBehaviourTests<FileStoreFixture>(fixture)
{
}
