namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <c>AddDataPlaneResilience</c>; packages extend it (<c>UseLmdbCache()</c>,
/// <c>UseS3FallbackStore()</c>, <c>UseWebSocketClusterLink()</c>) so that set-up reads as a sentence.
/// Its <see cref="IFallbackStoreBuilder.Services"/> and <see cref="IFallbackStoreBuilder.Configuration"/> (the section
/// given to <c>AddDataPlaneResilience</c>) come from <see cref="IFallbackStoreBuilder"/>, which the store packages extend.
/// </summary>
public interface IDataPlaneResilienceBuilder : IFallbackStoreBuilder
{
}
