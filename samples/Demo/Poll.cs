using System.Diagnostics;

namespace Resilience.Samples.Demo;

/// <summary>Waits for a condition by polling it until a deadline: never a fixed sleep for correctness.</summary>
internal static class Poll
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <returns><see langword="true"/> when the condition held before the deadline.</returns>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet, or gone: keep polling.
            }

            if (elapsed.Elapsed >= timeout)
            {
                return false;
            }

            await Task.Delay(Interval, cancellationToken);
        }
    }
}
