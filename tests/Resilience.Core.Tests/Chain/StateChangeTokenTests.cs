using System.Collections.Concurrent;
using Microsoft.Extensions.Primitives;

namespace Resilience.Tests.Chain;

/// <summary>A host observes every state change through <see cref="IDataPlane.GetStateChangeToken"/> instead of polling <see cref="IDataPlane.State"/>.</summary>
public sealed class StateChangeTokenTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_token_taken_before_an_apply_fires_and_the_state_then_shows_the_apply()
    {
        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir));
        var token = node.DataPlane.GetStateChangeToken();
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = token.RegisterChangeCallback(static state => ((TaskCompletionSource)state!).TrySetResult(), fired);

        await node.DataPlane.ApplyManualAsync(Configs.Json("manual"), ConfigFormat.Json, default);

        await fired.Task.WaitAsync(Deadline);
        Assert.True(token.HasChanged);
        Assert.Equal(ConfigOrigin.Manual, node.DataPlane.State.ServingTier);
        Assert.False(node.DataPlane.GetStateChangeToken().HasChanged);
    }

    [Fact]
    public async Task ChangeToken_OnChange_sees_every_apply_result_without_polling()
    {
        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir));
        var seen = new ConcurrentQueue<string?>();
        using var subscription = ChangeToken.OnChange(node.DataPlane.GetStateChangeToken, () => seen.Enqueue(node.DataPlane.State.LastApplyResult?.Hash));

        var first = await node.DataPlane.ApplyManualAsync(Configs.Json("one"), ConfigFormat.Json, default);
        await Eventually.HoldsAsync(() => seen.Contains(first.Hash), "the first apply's state change is observed", Deadline);
        var rejected = await node.DataPlane.ApplyManualAsync("{ not json"u8.ToArray(), ConfigFormat.Json, default);
        var second = await node.DataPlane.ApplyManualAsync(Configs.Json("two"), ConfigFormat.Json, default);

        Assert.Equal(ApplyOutcome.Rejected, rejected.Outcome);
        await Eventually.HoldsAsync(() => seen.Contains(second.Hash), "the second apply's state change is observed", Deadline);
    }

    public void Dispose() => _dir.Dispose();

}
