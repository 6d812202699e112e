namespace Resilience;

/// <summary>Who this node is, as told to the control plane and written into the fallback store.</summary>
/// <param name="NodeId">A stable id, created once and kept beside the cache (see <see cref="IsPersisted"/>).</param>
/// <param name="Hostname">The machine's host name.</param>
/// <param name="Version">The node version; fallback-store keys are scoped by it.</param>
/// <param name="Labels">Free-form labels the control plane may show or group by.</param>
public sealed record NodeIdentity(string NodeId, string Hostname, string Version, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>
    /// Gets a value indicating whether <see cref="NodeId"/> survives a restart: configured, or kept in the data directory.
    /// <see langword="false"/> when the data directory cannot be written: the id is held in memory and changes on restart
    /// (logged as event 1040 and listed in <see cref="DataPlaneState.UnwrittenFiles"/>).
    /// </summary>
    public bool IsPersisted { get; init; } = true;
}
