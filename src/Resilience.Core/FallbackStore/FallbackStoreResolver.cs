using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// Picks the fallback store: one registered directly as <see cref="IFallbackStore"/> wins;
/// otherwise the factory whose scheme matches <see cref="FallbackStoreOptions.Storage"/>.
/// </summary>
internal sealed class FallbackStoreResolver
{
    private FallbackStoreResolver(IFallbackStore? store) => Store = store;

    public IFallbackStore? Store { get; }

    public static FallbackStoreResolver Resolve(IServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<FallbackStoreOptions>>().Value.Storage;
        try
        {
            if (services.GetService<IFallbackStore>() is { } registered)
            {
                return new(registered);
            }

            if (string.IsNullOrWhiteSpace(storage))
            {
                return new(null);
            }

            return new(Create(services.GetServices<IFallbackStoreFactory>(), new Uri(storage, UriKind.Absolute)));
        }
        catch (Exception ex)
        {
            // A store (or a custom factory) that cannot be created is a tier that is down, not a node that cannot
            // start: import and export are off, the rest of the chain runs.
            Log.StoreCreateFailed(services.GetRequiredService<ILoggerFactory>().CreateLogger<FallbackStoreResolver>(), storage ?? "(registered store)", ex);
            return new(null);
        }
    }

    /// <summary>Creates the store named by a storage URI with the factory registered for its scheme (the last one wins).</summary>
    /// <exception cref="InvalidOperationException">No factory handles the scheme.</exception>
    public static IFallbackStore Create(IEnumerable<IFallbackStoreFactory> factories, Uri storage)
    {
        var factory = factories.LastOrDefault(f => string.Equals(f.Scheme, storage.Scheme, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"No fallback store handles '{storage.Scheme}://'. Add its package and call its Use...FallbackStore() method (s3: Resilience.Storage.S3, gcs or gs: Resilience.Storage.Gcs, azure: Resilience.Storage.Azure).");
        return factory.Create(storage);
    }
}
