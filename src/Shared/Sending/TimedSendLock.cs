namespace Resilience;

/// <summary>
/// One write at a time on a connection, each bounded by the write timeout on the injected clock: both ends of the link
/// send through one (the node's heartbeats, apply results and telemetry; the control plane's answers, licences and
/// configurations). A write that does not finish in time fails with <see cref="TimeoutException"/> (the connection then
/// ends); cancelling the caller's token cancels the write as before.
/// </summary>
internal sealed class TimedSendLock(TimeSpan writeTimeout, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Gets the time one write may take.</summary>
    public TimeSpan WriteTimeout => writeTimeout;

    /// <summary>
    /// Takes the lock and runs <paramref name="write"/>, both within the write timeout; <see cref="TimedWrite.Restart"/>
    /// starts the timeout again (after a wait that is the sender's own, not the peer's slowness).
    /// </summary>
    /// <param name="state">Passed to <paramref name="write"/> (no closure per send).</param>
    /// <param name="write">The write; it must use <see cref="TimedWrite.Token"/>.</param>
    /// <param name="what">What is written, for the timeout's message ("a 'heartbeat' message").</param>
    /// <param name="token">Cancels the wait and the write.</param>
    /// <exception cref="TimeoutException">The lock or the write took longer than the write timeout.</exception>
    public async ValueTask SendAsync<TState>(TState state, Func<TState, TimedWrite, ValueTask> write, string what, CancellationToken token)
    {
        using var timeout = new CancellationTokenSource(writeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        await _lock.WaitAsync(linked.Token).ConfigureAwait(false);
        try
        {
            await write(state, new TimedWrite(linked.Token, timeout, writeTimeout)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
        {
            throw new TimeoutException($"writing {what} took longer than {writeTimeout}");
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Takes the lock within <paramref name="wait"/> (to close the connection politely); <see langword="false"/> when it could not.</summary>
    public async ValueTask<bool> TryEnterAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait, time);
        try
        {
            await _lock.WaitAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Gives back the lock <see cref="TryEnterAsync"/> took.</summary>
    public void Exit() => _lock.Release();

    public void Dispose() => _lock.Dispose();
}

/// <summary>One write under a <see cref="TimedSendLock"/>: the token that ends it, and the restart of its timeout.</summary>
internal readonly struct TimedWrite(CancellationToken token, CancellationTokenSource timeout, TimeSpan writeTimeout)
{
    /// <summary>Gets the token that cancels the write: the caller's, or the timeout's.</summary>
    public CancellationToken Token => token;

    /// <summary>Starts the write timeout again from now.</summary>
    public void Restart() => timeout.CancelAfter(writeTimeout);
}
