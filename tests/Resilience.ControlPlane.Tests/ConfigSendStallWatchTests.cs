using Microsoft.Extensions.Time.Testing;

namespace Resilience.ControlPlane.Tests;

/// <summary>A configuration write gives its turn back once a fragment stays pending for the stall time, on the injected clock.</summary>
public sealed class ConfigSendStallWatchTests
{
    private static readonly TimeSpan Stall = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task A_fragment_pending_for_the_stall_time_gives_the_turn_back_and_not_before()
    {
        var time = new CountingTime();
        var slots = new ConfigSendSlots(1);
        using var slot = await slots.EnterAsync(CancellationToken.None);
        using var watch = new ConfigSendStallWatch(slot, time, Stall);

        watch.Pending();
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.True(slot.IsHeld);

        time.Advance(TimeSpan.FromMilliseconds(51));
        Assert.False(slot.IsHeld);
        using var next = await slots.EnterAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Fragments_that_complete_keep_the_turn_however_long_the_whole_message_takes()
    {
        var time = new CountingTime();
        var slots = new ConfigSendSlots(1);
        using var slot = await slots.EnterAsync(CancellationToken.None);
        using var watch = new ConfigSendStallWatch(slot, time, Stall);

        // Ten fragments of 60 ms each: 600 ms in all, none pending for 100 ms.
        for (var i = 0; i < 10; i++)
        {
            watch.Pending();
            time.Advance(TimeSpan.FromMilliseconds(60));
            watch.Done();
        }

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(slot.IsHeld);

        // One timer for the whole message; a later fragment gets its full stall time from its own start.
        Assert.Equal(1, time.Timers);
        watch.Pending();
        time.Advance(TimeSpan.FromMilliseconds(90));
        Assert.True(slot.IsHeld);
        time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.False(slot.IsHeld);
    }

    [Fact]
    public async Task A_write_whose_fragments_all_complete_at_once_starts_no_timer()
    {
        var time = new CountingTime();
        var slots = new ConfigSendSlots(1);
        using var slot = await slots.EnterAsync(CancellationToken.None);
        using (new ConfigSendStallWatch(slot, time, Stall))
        {
        }

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(slot.IsHeld);
        Assert.Equal(0, time.Timers);
    }

    private sealed class CountingTime : FakeTimeProvider
    {
        public int Timers { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Timers++;
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
