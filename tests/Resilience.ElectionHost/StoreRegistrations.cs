using Microsoft.Extensions.DependencyInjection;

namespace Resilience.ElectionHost;

/// <summary>The store packages register on this builder; the host needs no data-plane chain.</summary>
internal sealed class StoreRegistrations(IServiceCollection services) : IFallbackStoreBuilder
{
    public IServiceCollection Services { get; } = services;
}
