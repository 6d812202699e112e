namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <c>AddDataPlaneHubExport</c>: the fallback-store packages register their stores on it
/// (<c>.UseS3FallbackStore()</c>, <c>.UseGcsFallbackStore()</c>); the data plane's tiers (a cache, a cluster link) do not
/// belong on a control plane and cannot be added here.
/// </summary>
public interface IControlPlaneExportBuilder : IFallbackStoreBuilder
{
}
