namespace Resilience.Tests.FallbackStore;

/// <summary>
/// One node's view of the shared fake clock that can be frozen like a process under SIGSTOP: time goes
/// on, but the node's timers do not fire until it is thawed (then all that came due fire at once). It also
/// keeps track of the node's pending timers, which is how a test sees that the exporter loop is idle: the loop
/// waits on one timer whose state is the <see cref="TaskCompletionSource"/> it completes, and a round in progress
/// holds its deadline, a <see cref="CancellationTokenSource"/>'s timer.
/// </summary>
internal sealed class FreezableTimeProvider(TimeProvider inner) : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<(TimerCallback Callback, object? State)> _deferred = [];
    private readonly List<TrackedTimer> _pending = [];
    private bool _frozen;
    private long _created;

    /// <summary>Gets how many timers the node has created so far (to ask for a wait that began after some event).</summary>
    public long TimersCreated => Interlocked.Read(ref _created);

    /// <summary>
    /// Whether the node's loop waits, with no round in progress, on an idle timer created after <paramref name="createdAfter"/>
    /// timers and due after <paramref name="now"/>.
    /// </summary>
    public bool IsIdle(DateTimeOffset now, long createdAfter)
    {
        lock (_lock)
        {
            _pending.RemoveAll(t => t.IsDone);
            return !_pending.Exists(t => t.State is CancellationTokenSource)
                && _pending.Exists(t => t.State is TaskCompletionSource && t.Number > createdAfter && t.DueAt > now);
        }
    }

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

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new TrackedTimer(state, Interlocked.Increment(ref _created), inner.GetUtcNow() + dueTime, period == Timeout.InfiniteTimeSpan);
        lock (_lock)
        {
            _pending.Add(tracked);
        }

        tracked.Inner = inner.CreateTimer(
            s =>
            {
                tracked.MarkFired();
                Fire(callback, s);
            },
            state,
            dueTime,
            period);
        return tracked;
    }

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

    /// <summary>A timer of this node, with what the idle check needs to know about it.</summary>
    private sealed class TrackedTimer(object? state, long number, DateTimeOffset dueAt, bool oneShot) : ITimer
    {
        private volatile bool _fired;
        private volatile bool _disposed;

        public object? State { get; } = state;

        public long Number { get; } = number;

        public DateTimeOffset DueAt { get; } = dueAt;

        public ITimer? Inner { get; set; }

        public bool IsDone => _disposed || (oneShot && _fired);

        public void MarkFired() => _fired = true;

        public bool Change(TimeSpan dueTime, TimeSpan period) => Inner!.Change(dueTime, period);

        public void Dispose()
        {
            _disposed = true;
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
