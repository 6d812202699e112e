using Microsoft.Extensions.Time.Testing;

namespace Resilience.Tests.FallbackStore;

/// <summary>Drives a <see cref="FakeTimeProvider"/> for an operation that waits on it (retry delays, timeouts) over real I/O.</summary>
public static class ClockDriver
{
    /// <summary>
    /// Advances <paramref name="clock"/> by <paramref name="step"/> at a time, letting real work run between steps,
    /// until <paramref name="operation"/> completes; fails after <paramref name="realDeadline"/> of real time.
    /// </summary>
    /// <returns>How far the fake clock was moved: the time the operation took by the injected clock, to within a step or two.</returns>
    public static async Task<TimeSpan> AdvanceUntilDoneAsync(FakeTimeProvider clock, Task operation, TimeSpan step, TimeSpan realDeadline)
    {
        var advanced = TimeSpan.Zero;
        using var deadline = new CancellationTokenSource(realDeadline);
        while (!operation.IsCompleted)
        {
            // Give the real work (sockets, continuations) a moment to react to the last step before the next.
            await Task.WhenAny(operation, Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None));
            if (operation.IsCompleted)
            {
                break;
            }

            Assert.False(deadline.IsCancellationRequested, $"the operation did not complete within {realDeadline} of real time (fake clock moved {advanced})");
            clock.Advance(step);
            advanced += step;
        }

        return advanced;
    }
}
