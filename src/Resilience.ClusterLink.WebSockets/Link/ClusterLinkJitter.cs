namespace Resilience.ClusterLink.WebSockets;

/// <summary>The random source of reconnect delays, injected so tests can fix it.</summary>
internal interface IClusterLinkJitter
{
    /// <summary>Returns a value in [0, 1).</summary>
    double NextDouble();
}

/// <summary>The default jitter: <see cref="Random.Shared"/>.</summary>
internal sealed class SharedRandomJitter : IClusterLinkJitter
{
    public double NextDouble() => Random.Shared.NextDouble();
}
