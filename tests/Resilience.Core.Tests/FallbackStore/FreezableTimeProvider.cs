namespace Resilience.Tests.FallbackStore;

/// <summary>
/// One node's view of the shared fake clock that can be frozen like a process under SIGSTOP: time goes
/// on, but the node's timers do not fire until it is thawed (then all that came due fire at once).
/// </summary>
internal sealed class FreezableTimeProvider(TimeProvider inner) : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<(TimerCallback Callback, object? State)> _deferred = [];
    private bool _frozen;

    public bool IsFrozen
    {
        get
        {
            lock (_lock)
            {
                return _frozen;
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(s => Fire(callback, s), state, dueTime, period);

    public void Freeze()
    {
        lock (_lock)
        {
            _frozen = true;
        }
    }

    public void Thaw()
    {
        List<(TimerCallback Callback, object? State)> due;
        lock (_lock)
        {
            _frozen = false;
            due = [.. _deferred];
            _deferred.Clear();
        }

        foreach (var (callback, state) in due)
        {
            callback(state);
        }
    }

    private void Fire(TimerCallback callback, object? state)
    {
        lock (_lock)
        {
            if (_frozen)
            {
                _deferred.Add((callback, state));
                return;
            }
        }

        callback(state);
    }
}
