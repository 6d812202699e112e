using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <c>AddDataPlaneResilience</c>; packages extend it (<c>UseLmdbCache()</c>,
/// <c>UseS3FallbackStore()</c>, <c>UseWebSocketClusterLink()</c>) so that set-up reads as a sentence.
/// </summary>
public interface IDataPlaneResilienceBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Gets the section given to <c>AddDataPlaneResilience</c> (for example <c>Resilience</c>), or
    /// <see langword="null"/> when the chain is configured by a delegate only.
    /// </summary>
    /// <remarks>
    /// Each package binds its own sub-section from it, so <c>UseLmdbCache()</c> reads <c>Cache:Lmdb</c> and
    /// <c>UseS3FallbackStore()</c> reads <c>FallbackStore:S3</c> with no further code; third-party packages
    /// follow the same convention for theirs.
    /// </remarks>
    IConfiguration? Configuration => null;
}
