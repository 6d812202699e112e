using System.Diagnostics;

namespace Resilience.Tests.FallbackStore;

/// <summary>Polls a condition against real servers until it holds or a deadline passes.</summary>
public static class Eventually
{
    public static async Task<TimeSpan> HoldsAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > deadline)
            {
                Assert.Fail($"{what}: not within {deadline}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        return watch.Elapsed;
    }

    public static Task<TimeSpan> HoldsAsync(Func<bool> condition, TimeSpan deadline, string what) =>
        HoldsAsync(() => Task.FromResult(condition()), deadline, what);
}
