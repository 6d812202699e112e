namespace Resilience;

/// <summary>
/// The bound on one election round: the grace, by the injected clock. Store calls get <see cref="Token"/>; a call that
/// ignores it and returns late still counts as the deadline firing (<see cref="ThrowIfOverrun"/>), so a stalled call that
/// comes back never leads to an upload.
/// </summary>
internal sealed class RoundDeadline : IDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _grace;
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenSource _linked;

    public RoundDeadline(TimeProvider timeProvider, TimeSpan grace, CancellationToken stopping)
    {
        _timeProvider = timeProvider;
        _grace = grace;
        Started = timeProvider.GetUtcNow();
        _deadline = new CancellationTokenSource(grace, timeProvider);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _deadline.Token);
    }

    /// <summary>Gets when the round started.</summary>
    public DateTimeOffset Started { get; }

    /// <summary>Gets the token for the round's store calls: cancelled at the deadline or when the exporter stops.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>Gets a value indicating whether the round ran out of time.</summary>
    public bool Expired => _deadline.IsCancellationRequested;

    /// <summary>Throws when the round has outlasted the grace (even if the timer has not fired yet).</summary>
    /// <exception cref="OperationCanceledException">The round is over its time.</exception>
    public void ThrowIfOverrun()
    {
        if (_timeProvider.GetUtcNow() - Started > _grace)
        {
            // The store call returned, but too late (it ignored the deadline): treat it as the deadline firing.
            _deadline.Cancel();
        }

        _deadline.Token.ThrowIfCancellationRequested();
    }

    public void Dispose()
    {
        _linked.Dispose();
        _deadline.Dispose();
    }
}
