namespace Resilience;

/// <summary>
/// Creates the fallback store named by a storage URI. Each store package registers one for its
/// scheme (<c>file</c> in the core, <c>s3</c>, <c>gcs</c>); the chain picks the one matching
/// <see cref="FallbackStoreOptions.Storage"/>.
/// </summary>
public interface IFallbackStoreFactory
{
    /// <summary>Gets the URI scheme this factory serves, such as <c>s3</c>.</summary>
    string Scheme { get; }

    /// <summary>Creates the store.</summary>
    /// <param name="storage">The storage URI, for example <c>s3://bucket/prefix</c>.</param>
    /// <returns>The store.</returns>
    IFallbackStore Create(Uri storage);
}
