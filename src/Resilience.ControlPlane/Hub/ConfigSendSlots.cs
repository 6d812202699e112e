namespace Resilience.ControlPlane;

/// <summary>
/// Bounds how many sessions write a configuration at once (<see cref="DataPlaneHubOptions.MaxConcurrentConfigSends"/>).
/// A thousand concurrent writes on a few cores finish no sooner than a few at a time, and each one holds a send
/// buffer: with a few at a time the pooled buffers come back and are reused, so the control plane's memory during
/// a publish does not grow with the number of data planes. A write that stalls on a data plane that stops reading
/// gives its slot back (<see cref="Slot.Release"/>), so a slow node never holds up the others.
/// </summary>
internal sealed class ConfigSendSlots
{
    private readonly SemaphoreSlim _slots;
    private int _held;
    private int _peak;

    public ConfigSendSlots(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _slots = new SemaphoreSlim(limit, limit);
    }

    /// <summary>Gets how many writes may hold a slot at once.</summary>
    public int Limit { get; }

    /// <summary>Gets the most slots ever held at once (diagnostics and tests).</summary>
    public int Peak => Volatile.Read(ref _peak);

    /// <summary>Waits for a slot; dispose the returned one (or <see cref="Slot.Release"/> it early) to give it back.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var held = Interlocked.Increment(ref _held);
        var peak = Volatile.Read(ref _peak);
        while (held > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, held, peak);
            if (seen == peak)
            {
                break;
            }

            peak = seen;
        }

        return new Slot(this);
    }

    private void Exit()
    {
        Interlocked.Decrement(ref _held);
        _slots.Release();
    }

    /// <summary>One held slot; given back once, by <see cref="Release"/> or <see cref="Dispose"/>.</summary>
    internal sealed class Slot(ConfigSendSlots owner) : IDisposable
    {
        private int _released;

        /// <summary>Gets a value indicating whether the slot is still held.</summary>
        public bool IsHeld => Volatile.Read(ref _released) == 0;

        /// <summary>Gives the slot back before the write ends (it stalled).</summary>
        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Exit();
            }
        }

        public void Dispose() => Release();
    }
}
