using System.Diagnostics;

namespace Resilience.Yarp.Tests;

/// <summary>
/// Request loops through a gateway that count successful and failed answers and note when the first failure came and
/// when a request started after it succeeded (<see cref="Stopwatch"/> timestamps: measured figures, never asserted against).
/// </summary>
internal sealed class Traffic : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task[] _workers = [];
    private int _ok;
    private int _failed;
    private long _firstFailure;
    private long _recovered;

    public int Ok => Volatile.Read(ref _ok);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Gets when the first request failed.</summary>
    public long? FirstFailureAt => Interlocked.Read(ref _firstFailure) is var at and not 0 ? at : null;

    /// <summary>Gets when a request first succeeded again after the first failure.</summary>
    public long? RecoveredAt => Interlocked.Read(ref _recovered) is var at and not 0 ? at : null;

    /// <summary>Starts <paramref name="workers"/> request loops through <paramref name="gateway"/>, each waiting <paramref name="pause"/> between requests (none when null).</summary>
    public static Traffic Start(Gateway gateway, int workers, TimeSpan? pause = null)
    {
        var traffic = new Traffic();
        traffic._workers = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !traffic._stop.IsCancellationRequested; i++)
            {
                var started = Stopwatch.GetTimestamp();
                string body;
                try
                {
                    body = await gateway.GetAsync($"/load/{worker}/{i}");
                }
                catch (HttpRequestException ex)
                {
                    body = ex.Message;
                }

                traffic.Count(body == "upstream", started, Stopwatch.GetTimestamp());
                if (pause is { } wait)
                {
                    await Task.Delay(wait, CancellationToken.None);
                }
            }
        })).ToArray();
        return traffic;
    }

    public Task UntilAsync(int ok) => Eventually.HoldsAsync(() => Task.FromResult(Ok >= ok), $"{ok} requests answered");

    public async Task<(int Ok, int Failed)> StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            await Task.WhenAll(_workers);
        }

        return (Ok, Failed);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private void Count(bool ok, long started, long at)
    {
        if (ok)
        {
            // A success counts as the recovery only when its request started after the first failure was seen.
            Interlocked.Increment(ref _ok);
            if (Interlocked.Read(ref _firstFailure) is var failed and not 0 && started > failed)
            {
                Interlocked.CompareExchange(ref _recovered, at, 0);
            }

            return;
        }

        Interlocked.Increment(ref _failed);
        Interlocked.CompareExchange(ref _firstFailure, at, 0);
    }
}
