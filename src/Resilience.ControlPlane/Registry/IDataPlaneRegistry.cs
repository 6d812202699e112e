namespace Resilience.ControlPlane;

/// <summary>The data planes that are connected or were seen recently (see <see cref="DataPlaneHubOptions.RegistryRetention"/>).</summary>
public interface IDataPlaneRegistry
{
    /// <summary>Gets every connected or recently seen data plane.</summary>
    /// <returns>A snapshot, ordered by node id.</returns>
    IReadOnlyList<DataPlaneInfo> GetAll();

    /// <summary>Gets one data plane by its node id.</summary>
    /// <param name="nodeId">The node id.</param>
    /// <returns>A snapshot, or <see langword="null"/> when unknown.</returns>
    DataPlaneInfo? Find(string nodeId);
}
