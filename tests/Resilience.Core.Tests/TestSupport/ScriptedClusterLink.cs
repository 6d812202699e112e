using System.Threading.Channels;

namespace Resilience.Tests;

/// <summary>A test double for <see cref="IClusterLink"/>: the test decides what the "control plane" does.</summary>
public sealed class ScriptedClusterLink : IClusterLink
{
    private readonly Channel<Func<IClusterLinkContext, Task>> _steps = Channel.CreateUnbounded<Func<IClusterLinkContext, Task>>();

    public TaskCompletionSource<IClusterLinkContext> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<ApplyResult> Results { get; } = [];

    public void Then(Func<IClusterLinkContext, Task> step) => _steps.Writer.TryWrite(step);

    public void FailAttempt(string error) => Then(c =>
    {
        c.ReportState(new ClusterLinkState(ClusterLinkStatus.Disconnected, DateTimeOffset.UtcNow, 1, error));
        return Task.CompletedTask;
    });

    public void Push(byte[] json) => Then(async c =>
    {
        c.ReportState(new ClusterLinkState(ClusterLinkStatus.Connected, DateTimeOffset.UtcNow));
        var result = await c.ApplyAsync(new ConfigDocument(json, ConfigFormat.Json, ConfigOrigin.ControlPlane) { Source = "scripted" }, default);
        lock (Results)
        {
            Results.Add(result);
        }
    });

    public async Task RunAsync(IClusterLinkContext context, CancellationToken cancellationToken)
    {
        Started.TrySetResult(context);
        await foreach (var step in _steps.Reader.ReadAllAsync(cancellationToken))
        {
            await step(context);
        }
    }
}
