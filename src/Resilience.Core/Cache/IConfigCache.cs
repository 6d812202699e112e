namespace Resilience;

/// <summary>
/// Tier 2: this node's local copy of the last applied configuration, so that a restarted node
/// serves at once, before (or without) reaching the control plane.
/// </summary>
/// <remarks>
/// Implementations never throw for a missing, truncated, altered or incompatible cache: they log
/// why and return <see langword="null"/>, and the chain moves to the next tier. A cache may leave
/// the payload's hash check to the apply pipeline by returning the stored hash as
/// <see cref="ConfigDocument.ExpectedHash"/>: the pipeline hashes every document and rejects a
/// mismatch, so an altered payload is never served and the chain still moves on.
/// </remarks>
public interface IConfigCache
{
    /// <summary>Gets a short description (a path), for logs.</summary>
    string Description { get; }

    /// <summary>Loads the cached configuration.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The cached document with <see cref="ConfigOrigin.Cache"/>, or <see langword="null"/> when there is no usable cache.</returns>
    ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the cached configuration, atomically: a crash leaves the old or the new one, never a mix.</summary>
    /// <param name="snapshot">The configuration just applied.</param>
    /// <param name="cancellationToken">Cancels the write; the old cache then stays.</param>
    /// <returns>A task that completes when the configuration is durable.</returns>
    ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Deletes the cached configuration, if any.</summary>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>A task that completes when the cache is gone.</returns>
    ValueTask ClearAsync(CancellationToken cancellationToken);
}
