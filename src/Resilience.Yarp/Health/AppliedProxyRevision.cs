namespace Resilience.Yarp;

/// <summary>
/// Which data-plane snapshot YARP routes with. YARP reloads asynchronously after the data plane swaps, so
/// "serving hash X" (<see cref="IDataPlane.Current"/>) and "routing with X" can differ for a moment; readiness
/// and the admin state compare the two.
/// </summary>
public sealed class AppliedProxyRevision
{
    private string? _revision;

    internal AppliedProxyRevision()
    {
    }

    /// <summary>Gets the revision YARP routes with now: the snapshot's hash, <c>empty</c> while nothing is served, or <see langword="null"/> before YARP loaded anything.</summary>
    public string? Current => Volatile.Read(ref _revision);

    /// <summary>Gets a value indicating whether YARP routes with the configuration the data plane serves.</summary>
    /// <param name="dataPlane">The data plane.</param>
    /// <returns><see langword="true"/> when a configuration is served and YARP has applied it.</returns>
    public bool IsRouting(IDataPlane dataPlane)
    {
        ArgumentNullException.ThrowIfNull(dataPlane);
        return dataPlane.Current is { } served && served.Hash == Current;
    }

    internal void Set(string revision) => Volatile.Write(ref _revision, revision);
}
