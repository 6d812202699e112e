namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <c>AddDataPlaneResilience</c>; packages extend it (<c>UseLmdbCache()</c>,
/// <c>UseS3FallbackStore()</c>, <c>UseWebSocketClusterLink()</c>) so that set-up reads as a sentence.
/// </summary>
public interface IDataPlaneResilienceBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}
