namespace Resilience.Tests.FallbackStore;

/// <summary>A control plane that cannot be reached: the first attempt fails at once and the link keeps "retrying".</summary>
public sealed class UnreachableControlPlaneLink : IClusterLink
{
    public async Task RunAsync(IClusterLinkContext context, CancellationToken cancellationToken)
    {
        context.ReportState(new ClusterLinkState(ClusterLinkStatus.Disconnected, DateTimeOffset.UtcNow, 1, "connection refused (test)"));
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}

/// <summary>
/// A control plane the test pushes configurations through (they arrive with origin ControlPlane). Connected
/// from the start, or (<paramref name="startDisconnected"/>) down at start-up and connected by the first push.
/// </summary>
public sealed class ScriptedControlPlaneLink(bool startDisconnected = false) : IClusterLink
{
    private readonly TaskCompletionSource<IClusterLinkContext> _context = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(IClusterLinkContext context, CancellationToken cancellationToken)
    {
        context.ReportState(startDisconnected
            ? new ClusterLinkState(ClusterLinkStatus.Disconnected, DateTimeOffset.UtcNow, 1, "connection refused (test)")
            : new ClusterLinkState(ClusterLinkStatus.Connected, DateTimeOffset.UtcNow));
        _context.TrySetResult(context);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public Task<ApplyResult> PushAsync(ReadOnlyMemory<byte> json) => PushAsync(json, rolloutId: null);

    /// <summary>Pushes a configuration, as a staged rollout's candidate when <paramref name="rolloutId"/> is given.</summary>
    public async Task<ApplyResult> PushAsync(ReadOnlyMemory<byte> json, string? rolloutId)
    {
        var context = await _context.Task.WaitAsync(TimeSpan.FromSeconds(10));
        context.ReportState(new ClusterLinkState(ClusterLinkStatus.Connected, DateTimeOffset.UtcNow));
        return await context.ApplyAsync(new ConfigDocument(json, ConfigFormat.Json, ConfigOrigin.ControlPlane) { Source = "scripted control plane", RolloutId = rolloutId }, CancellationToken.None);
    }

    /// <summary>Names the fleet's stable configuration, as a heartbeat acknowledgement does.</summary>
    public async Task NameStableAsync(string hash) => (await _context.Task.WaitAsync(TimeSpan.FromSeconds(10))).ReportStableConfig(hash);
}
