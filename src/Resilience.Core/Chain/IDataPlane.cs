using Microsoft.Extensions.Primitives;

namespace Resilience;

/// <summary>
/// The gateway's view of its configuration: what is served now, when it changes, and how the
/// chain is doing. Reading <see cref="Current"/> is a single volatile read: no lock, no allocation.
/// </summary>
public interface IDataPlane
{
    /// <summary>
    /// Gets the configuration served now, or <see langword="null"/> when the node is not ready or has stopped serving
    /// because its licence expired (<see cref="DataPlaneResilienceOptions.StopServingOnLicenseExpiry"/>).
    /// </summary>
    ConfigSnapshot? Current { get; }

    /// <summary>Gets the chain's state.</summary>
    DataPlaneState State { get; }

    /// <summary>
    /// Gets the token of what <see cref="State"/> returns now: it fires when the state is replaced (a configuration
    /// served or rejected, the link connecting or dropping, a licence, the end of start-up). Observe every change
    /// without polling with <c>ChangeToken.OnChange(dataPlane.GetStateChangeToken, () => Use(dataPlane.State))</c>.
    /// Callbacks run on the thread pool, never inside the data plane's swap; a token taken just before a change
    /// has fired, and it is never disposed.
    /// </summary>
    /// <returns>The token.</returns>
    IChangeToken GetStateChangeToken();

    /// <summary>
    /// Gets the token of what <see cref="Current"/> returns now: it fires when that is replaced (as YARP's
    /// <c>IProxyConfig.ChangeToken</c>). Safe to call during a swap from any thread; a token taken just before
    /// a swap has fired, it is never disposed.
    /// </summary>
    /// <returns>The token.</returns>
    IChangeToken GetChangeToken();

    /// <summary>Waits until a configuration other than <paramref name="known"/> is served.</summary>
    /// <param name="known">The snapshot the caller has; <see langword="null"/> waits for the first one.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The served snapshot (returned at once if it already differs from <paramref name="known"/>).</returns>
    ValueTask<ConfigSnapshot> WaitForChangeAsync(ConfigSnapshot? known, CancellationToken cancellationToken);

    /// <summary>
    /// Applies a configuration by hand (an operator on a disconnected node). It goes through the
    /// same pipeline as every tier and is served until the control plane next pushes.
    /// </summary>
    /// <param name="content">JSON or YAML, optionally gzip-compressed.</param>
    /// <param name="format">The syntax of the content.</param>
    /// <param name="cancellationToken">Cancels the apply.</param>
    /// <returns>The result.</returns>
    ValueTask<ApplyResult> ApplyManualAsync(ReadOnlyMemory<byte> content, ConfigFormat format, CancellationToken cancellationToken);

    /// <summary>
    /// Gets the configurations this node served, newest first (the served one first), without their payloads: the last
    /// <c>Resilience:History:Depth</c> (5), kept by the cache on disk, so a restart keeps them. Empty when the history is
    /// off (depth 0, or a cache that keeps none).
    /// </summary>
    IReadOnlyList<ConfigHistoryEntry> History => [];

    /// <summary>
    /// Serves a configuration of <see cref="History"/> again, through the whole pipeline (size limits, hash, signature, the
    /// host's validator, swap, cache write), also while the control plane is down. It is served like a manual apply
    /// (<see cref="ConfigOrigin.Rollback"/>) and the configuration rolled back from is refused when the control plane pushes
    /// it, until the control plane or an operator applies another one (<see cref="DataPlaneState.Rollback"/>); a node
    /// with a link tells its control plane. A restart serves it from the cache.
    /// </summary>
    /// <param name="hash">The hash of the configuration to serve again.</param>
    /// <param name="reason">Why, for the log, the history and the control plane.</param>
    /// <param name="cancellationToken">Cancels the rollback.</param>
    /// <returns>The result: <see cref="ApplyOutcome.Applied"/>, <see cref="ApplyOutcome.Unchanged"/> when it is served already, or <see cref="ApplyOutcome.Rejected"/> (<see cref="RejectionReason.NotInHistory"/> when the history does not hold it whole).</returns>
    ValueTask<ApplyResult> RollbackAsync(string hash, string? reason, CancellationToken cancellationToken) => RollbackAsync(hash, reason, actor: null, cancellationToken);

    /// <summary>As <see cref="RollbackAsync(string, string?, CancellationToken)"/>, naming who asked (<c>admin:&lt;user&gt;</c>, ...).</summary>
    /// <param name="hash">The hash of the configuration to serve again.</param>
    /// <param name="reason">Why.</param>
    /// <param name="actor">Who asked; default <c>operator</c>.</param>
    /// <param name="cancellationToken">Cancels the rollback.</param>
    /// <returns>The result.</returns>
    ValueTask<ApplyResult> RollbackAsync(string hash, string? reason, string? actor, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApplyResult.Rejected(ConfigOrigin.Rollback, hash, RejectionReason.NotInHistory, ["this data plane keeps no history"], TimeProvider.System.GetUtcNow()));
}
