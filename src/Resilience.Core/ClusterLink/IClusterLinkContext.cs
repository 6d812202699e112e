namespace Resilience;

/// <summary>What the chain offers a running <see cref="IClusterLink"/>.</summary>
public interface IClusterLinkContext
{
    /// <summary>Gets this node's identity, for the hello message.</summary>
    NodeIdentity Node { get; }

    /// <summary>Gets the configuration served now (its hash goes into hello and heartbeats), or <see langword="null"/>.</summary>
    ConfigSnapshot? Current { get; }

    /// <summary>Runs a pushed configuration through the apply pipeline.</summary>
    /// <param name="document">The configuration, with <see cref="ConfigOrigin.ControlPlane"/>.</param>
    /// <param name="cancellationToken">Cancels the apply.</param>
    /// <returns>The result, to report back to the control plane.</returns>
    ValueTask<ApplyResult> ApplyAsync(ConfigDocument document, CancellationToken cancellationToken);

    /// <summary>Reports a change of the link's state (connecting, connected, disconnected with the error).</summary>
    /// <param name="state">The new state.</param>
    void ReportState(ClusterLinkState state);

    /// <summary>
    /// Reports which configuration the control plane names the fleet's stable one. A rollout's candidate
    /// (<see cref="ConfigDocument.RolloutId"/>) becomes exportable once it is named here. The default does nothing.
    /// </summary>
    /// <param name="stableHash">The hash, or <see langword="null"/> when the control plane said none.</param>
    void ReportStableConfig(string? stableHash)
    {
    }
}
