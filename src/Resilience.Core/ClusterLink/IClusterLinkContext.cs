using Microsoft.Extensions.Primitives;

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

    /// <summary>
    /// Gets a value indicating whether this node keeps a configuration history: it serves an entry again when its control
    /// plane asks (<see cref="RollbackAsync"/>) and reports its rollbacks and reverts (<see cref="Rollback"/>). A link
    /// announces it to its control plane.
    /// </summary>
    bool KeepsHistory => false;

    /// <summary>Gets the rollback or revert that stands, which a link reports on every connection and whenever it changes (<see cref="GetStateChangeToken"/>).</summary>
    ConfigRollbackState? Rollback => null;

    /// <summary>Gets the health a link sends with every heartbeat.</summary>
    DataPlaneHealthSummary Health => new(Current is not null, 0, 0, ConfigBakeStatus.None, null);

    /// <summary>Serves a configuration of the history again because the control plane asked, as <see cref="IDataPlane.RollbackAsync(string, string?, string?, CancellationToken)"/>.</summary>
    /// <param name="hash">The hash to serve again.</param>
    /// <param name="reason">Why.</param>
    /// <param name="actor">Who asked (<c>control-plane:&lt;id&gt;</c>).</param>
    /// <param name="cancellationToken">Cancels the rollback.</param>
    /// <returns>The result, to report back to the control plane.</returns>
    ValueTask<ApplyResult> RollbackAsync(string hash, string? reason, string? actor, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApplyResult.Rejected(ConfigOrigin.Rollback, hash, RejectionReason.NotInHistory, ["this data plane keeps no history"], TimeProvider.System.GetUtcNow()));

    /// <summary>Gets a token that fires when the node's state changes (a rollback, a bake verdict, ...): the link then reports what changed.</summary>
    /// <returns>The token.</returns>
    IChangeToken GetStateChangeToken() => new CancellationChangeToken(CancellationToken.None);
}
