using Microsoft.Extensions.DependencyInjection;
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
        if (services.GetService<IFallbackStore>() is { } registered)
        {
            return new(registered);
        }

        var storage = services.GetRequiredService<IOptions<FallbackStoreOptions>>().Value.Storage;
        if (string.IsNullOrWhiteSpace(storage))
        {
            return new(null);
        }

        var uri = new Uri(storage, UriKind.Absolute);
        var factory = services.GetServices<IFallbackStoreFactory>().LastOrDefault(f => string.Equals(f.Scheme, uri.Scheme, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"No fallback store handles '{uri.Scheme}://'. Add its package and call its Use...FallbackStore() method (s3: Resilience.Storage.S3, gcs: Resilience.Storage.Gcs).");
        return new(factory.Create(uri));
    }
}
