using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// What the fallback-store packages register on (<c>UseS3FallbackStore()</c>, <c>UseGcsFallbackStore()</c>): the data
/// plane's builder (<see cref="IDataPlaneResilienceBuilder"/>, from <c>AddDataPlaneResilience</c>) and the control
/// plane's export builder (from <c>AddDataPlaneHubExport</c>) are both one, so a store package serves either plane.
/// </summary>
public interface IFallbackStoreBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Gets the section the builder was created from (for example <c>Resilience</c>), or <see langword="null"/> when it
    /// is configured by a delegate only.
    /// </summary>
    /// <remarks>
    /// Each package binds its own sub-section from it, so <c>UseLmdbCache()</c> reads <c>Cache:Lmdb</c> and
    /// <c>UseS3FallbackStore()</c> reads <c>FallbackStore:S3</c> with no further code; third-party packages
    /// follow the same convention for theirs.
    /// </remarks>
    IConfiguration? Configuration => null;
}
