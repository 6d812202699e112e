namespace Resilience.Tests.FallbackStore;

/// <summary>
/// One node's view of a shared store that can stall a call: the call blocks until the test releases it
/// (like a request stuck on a slow network) and then runs against the shared store. A stall that ignores
/// cancellation models a request the server already has: it lands however late the caller gives up.
/// </summary>
internal class StallingFallbackStore(IFallbackStore inner) : IFallbackStore
{
    private readonly object _lock = new();
    private (Func<string, string, bool> Matches, TaskCompletionSource Release, bool HonoursCancellation)? _stall;
    private int _stalled;

    public string Description => inner.Description;

    /// <summary>Gets a value indicating whether a call is blocked in a stall right now.</summary>
    public bool IsStalled => Volatile.Read(ref _stalled) > 0;

    /// <summary>Gets or sets an action run after a read returns and before the caller sees it (a rival's write in between).</summary>
    public Func<string, Task>? AfterGet { get; set; }

    /// <summary>Stalls the next calls that match (operation "get"/"put"/"list"/"delete", key) until <see cref="Release"/>.</summary>
    public void StallNext(Func<string, string, bool> matches, bool honoursCancellation = false)
    {
        lock (_lock)
        {
            _stall = (matches, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), honoursCancellation);
        }
    }

    /// <summary>Lets every stalled call go on; later calls pass.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _stall?.Release.TrySetResult();
            _stall = null;
        }
    }

    public async ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken)
    {
        await GateAsync("get", key, cancellationToken).ConfigureAwait(false);
        var read = await inner.GetAsync(key, maxBytes, CancellationToken.None).ConfigureAwait(false);
        if (AfterGet is { } afterGet)
        {
            await afterGet(key).ConfigureAwait(false);
        }

        return read;
    }

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        await GateAsync("put", key, cancellationToken).ConfigureAwait(false);
        await inner.PutAsync(key, content, metadata, CancellationToken.None);
    }

    public async ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken)
    {
        await GateAsync("list", keyPrefix, cancellationToken).ConfigureAwait(false);
        return await inner.ListAsync(keyPrefix, CancellationToken.None);
    }

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await GateAsync("delete", key, cancellationToken).ConfigureAwait(false);
        await inner.DeleteAsync(key, CancellationToken.None);
    }

    protected async ValueTask GateAsync(string operation, string key, CancellationToken cancellationToken)
    {
        Task release;
        bool honours;
        lock (_lock)
        {
            if (_stall is not { } stall || !stall.Matches(operation, key))
            {
                cancellationToken.ThrowIfCancellationRequested();
                return;
            }

            release = stall.Release.Task;
            honours = stall.HonoursCancellation;
        }

        Interlocked.Increment(ref _stalled);
        try
        {
            await (honours ? release.WaitAsync(cancellationToken) : release).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _stalled);
        }
    }
}

/// <summary>The stalling view of a conditional store.</summary>
internal sealed class ConditionalStallingFallbackStore(IConditionalFallbackStore inner) : StallingFallbackStore(inner), IConditionalFallbackStore
{
    public async ValueTask<bool> TryPutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, string? expectedVersion, CancellationToken cancellationToken)
    {
        await GateAsync("put", key, cancellationToken).ConfigureAwait(false);
        return await inner.TryPutAsync(key, content, metadata, expectedVersion, CancellationToken.None).ConfigureAwait(false);
    }
}
