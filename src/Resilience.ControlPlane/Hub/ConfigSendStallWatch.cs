namespace Resilience.ControlPlane;

/// <summary>
/// Gives a configuration write's turn (<see cref="ConfigSendSlots.Slot"/>) back once one of its fragments has been pending
/// for <c>stall</c> (a data plane that stopped reading), with one timer per message that only starts at the first
/// pending fragment, instead of a timeout per fragment: every timer is created and cancelled under the runtime's
/// timer-queue lock, and a publish to 1,000 data planes contended for it on every fragment of every write (docs/benchmarks.md,
/// "fan-out"). The turn goes back between <c>stall</c> and 1.5 x <c>stall</c> after the fragment began.
/// </summary>
internal sealed class ConfigSendStallWatch(ConfigSendSlots.Slot slot, TimeProvider time, TimeSpan stall) : IDisposable
{
    private const long NotPending = long.MinValue;
    private long _pendingSince = NotPending;
    private ITimer? _timer;

    /// <summary>A fragment's write did not complete at once: the stall clock runs from now.</summary>
    public void Pending()
    {
        Volatile.Write(ref _pendingSince, time.GetTimestamp());
        if (_timer is null)
        {
            var check = stall / 2;
            _timer = time.CreateTimer(static s => ((ConfigSendStallWatch)s!).Check(), this, check, check);
        }
    }

    /// <summary>The pending fragment was written.</summary>
    public void Done() => Volatile.Write(ref _pendingSince, NotPending);

    public void Dispose() => _timer?.Dispose();

    private void Check()
    {
        var since = Volatile.Read(ref _pendingSince);
        if (since != NotPending && time.GetElapsedTime(since) >= stall)
        {
            slot.Release();
        }
    }
}
