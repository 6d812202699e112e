namespace Resilience.ControlPlane;

/// <summary>The idle watchdog of one data plane's connection: every received byte marks it alive.</summary>
internal sealed class DataPlaneWatchdog(TimeProvider time, TimeSpan timeout)
{
    private readonly TimeProvider _time = time;
    private readonly TimeSpan _timeout = timeout;
    private long _lastInbound = time.GetTimestamp();

    /// <summary>Notes that something arrived from the data plane.</summary>
    public void MarkInbound() => Volatile.Write(ref _lastInbound, _time.GetTimestamp());

    /// <summary>Closes a connection that stayed silent longer than <see cref="DataPlaneHubOptions.DataPlaneTimeout"/>.</summary>
    public async Task RunAsync(CancellationToken token)
    {
        var timeout = _timeout;
        while (true)
        {
            var silent = _time.GetElapsedTime(Volatile.Read(ref _lastInbound));
            if (silent >= timeout)
            {
                throw new TimeoutException($"no message from the data plane for {timeout}");
            }

            await Task.Delay(timeout - silent + TimeSpan.FromMilliseconds(1), _time, token).ConfigureAwait(false);
        }
    }
}
