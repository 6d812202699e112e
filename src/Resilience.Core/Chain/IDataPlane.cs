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
}
