namespace Resilience.Yarp;

/// <summary>What <c>GET /resilience/state</c> answers: the chain's state and the revision YARP routes with.</summary>
/// <param name="ServingTier">The tier of the served configuration (<c>None</c> when nothing is served).</param>
/// <param name="IsReady">Whether a configuration is served.</param>
/// <param name="StartupCompleted">Whether start-up has finished walking the chain.</param>
/// <param name="Link">The control-plane link's status.</param>
/// <param name="LastError">The link's last error, if any.</param>
/// <param name="Hash">The served configuration's hash.</param>
/// <param name="Version">The served configuration's control-plane version, when known.</param>
/// <param name="ProxyRevision">The revision YARP routes with; equals <paramref name="Hash"/> once YARP has reloaded (<c>empty</c> while nothing is served).</param>
/// <param name="RouteCount">The number of routes YARP was given for the served configuration.</param>
/// <param name="LastApply">The result of the last configuration handed to the pipeline.</param>
public sealed record DataPlaneAdminState(
    string ServingTier,
    bool IsReady,
    bool StartupCompleted,
    string Link,
    string? LastError,
    string? Hash,
    string? Version,
    string? ProxyRevision,
    int RouteCount,
    string? LastApply)
{
    /// <summary>Gets the configuration the node rolled back (or reverted) from and refuses from the control plane, while that rollback stands.</summary>
    public string? RolledBackFrom { get; init; }

    /// <summary>Gets the bake of the served configuration: <c>None</c>, <c>Baking</c>, <c>Passed</c>, <c>Undecided</c>, <c>Reverted</c> or <c>Failed</c>.</summary>
    public string Bake { get; init; } = nameof(ConfigBakeStatus.None);
    /// <summary>
    /// Gets the local files the node cannot write (a read-only or unwritable data directory): the cache (a restart would
    /// not find the served configuration), the node id (held in memory: it changes on restart), the licence.
    /// </summary>
    public IReadOnlyList<UnwrittenFile> UnwrittenFiles { get; init; } = [];

    /// <summary>
    /// Gets how long the link waits before its next attempt because the control plane answered busy (503 or 429 with
    /// <c>Retry-After</c>), or <see langword="null"/> (<see cref="ClusterLinkState.RetryAfter"/>).
    /// </summary>
    public TimeSpan? LinkRetryAfter { get; init; }

    internal static DataPlaneAdminState From(IDataPlane dataPlane, AppliedProxyRevision proxy)
    {
        var state = dataPlane.State;
        var current = dataPlane.Current;
        return new(
            state.ServingTier.ToString(),
            state.IsReady,
            state.StartupCompleted,
            state.Link.Status.ToString(),
            state.Link.LastError,
            current?.Hash,
            current?.Version,
            proxy.Current,
            (current?.Model as ReverseProxyConfig)?.Routes.Count ?? 0,
            state.LastApplyResult?.ToString())
        {
            RolledBackFrom = state.Rollback?.FromHash,
            Bake = state.Bake.Status.ToString(),
            UnwrittenFiles = state.UnwrittenFiles,
            LinkRetryAfter = state.Link.RetryAfter,
        };
    }
}
