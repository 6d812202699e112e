namespace Resilience;

/// <summary>A snapshot of the link's state.</summary>
/// <param name="Status">Connected, connecting, disconnected or not configured.</param>
/// <param name="Since">
/// Connected: when the connection was established. Connecting and Disconnected: when the outage began (the lost
/// connection, or the first attempt of a link never up), kept across every reconnect attempt until one succeeds.
/// </param>
/// <param name="Attempts">Connection attempts since the last successful connection (with several endpoints, each endpoint tried counts one).</param>
/// <param name="LastError">Why the last attempt or connection failed, if it did.</param>
public sealed record ClusterLinkState(ClusterLinkStatus Status, DateTimeOffset Since, int Attempts = 0, string? LastError = null)
{
    /// <summary>The state of a node with no link configured (a user compares <see cref="Status"/> instead).</summary>
    internal static ClusterLinkState NotConfigured { get; } = new(ClusterLinkStatus.NotConfigured, DateTimeOffset.MinValue);

    /// <summary>
    /// Gets the control-plane endpoint this state is about. Connected: the endpoint the link is connected to.
    /// Connecting: the endpoint being tried. Disconnected: the endpoint whose attempt or connection failed last.
    /// <see langword="null"/> when no link is configured.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>
    /// Gets how long the link waits before its next attempt because the control plane answered busy (<c>503</c> or
    /// <c>429</c> with <c>Retry-After</c>, a recovering control plane's admission control): its delay, never below the
    /// reconnect minimum, capped, with jitter. <see langword="null"/> when the control plane did not ask.
    /// </summary>
    public TimeSpan? RetryAfter { get; init; }
}
