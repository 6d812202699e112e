namespace Resilience.ControlPlane.Redis.Tests;

/// <summary>
/// A test double of <see cref="IControlPlaneBackplane"/> for unit tests of the replica's logic: the contract's semantics
/// (revision above stored and floor, restore only when newer) in memory, with switches for an outage and a hang.
/// </summary>
internal sealed class InMemoryBackplane : IControlPlaneBackplane
{
    private readonly object _gate = new();
    private readonly List<Action<long>> _subscribers = [];
    private readonly Dictionary<string, IReadOnlyList<DataPlaneInfo>> _reports = new(StringComparer.Ordinal);
    private int _calls;

    public BackplaneConfig? Stored { get; set; }

    /// <summary>Gets or sets a value indicating whether every call fails as an unreachable backplane does.</summary>
    public bool Down { get; set; }

    /// <summary>Gets or sets a task every call waits for first (a hanging backplane), or null.</summary>
    public Task? Hang { get; set; }

    /// <summary>Gets or sets what happens after a publish took its revision and before it returns (another replica's publish landing meanwhile).</summary>
    public Action<long>? AfterPublish { get; set; }

    public int Reads { get; private set; }

    /// <summary>Gets how many calls reached the backplane (before any hang).</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Gets how many registry reports were stored.</summary>
    public int Reports { get; private set; }

    public int Restores { get; private set; }

    public async ValueTask<long> PublishAsync(BackplaneConfig config, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        long revision;
        lock (_gate)
        {
            revision = Math.Max(Stored?.Revision ?? 0, config.Revision) + 1;
            Stored = config with { Revision = revision };
        }

        Notify(revision);
        AfterPublish?.Invoke(revision);
        return revision;
    }

    public async ValueTask<bool> RestoreAsync(BackplaneConfig config, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        lock (_gate)
        {
            if (!config.IsNewerThan(Stored))
            {
                return false;
            }

            Stored = config;
            Restores++;
        }

        Notify(config.Revision);
        return true;
    }

    public async ValueTask<BackplaneConfig?> GetLatestAsync(CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        lock (_gate)
        {
            Reads++;
            return Stored;
        }
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(Action<long> onChanged, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        lock (_gate)
        {
            _subscribers.Add(onChanged);
        }

        return new Unsubscribe(() =>
        {
            lock (_gate)
            {
                _subscribers.Remove(onChanged);
            }
        });
    }

    public async ValueTask ReportDataPlanesAsync(string replicaId, IReadOnlyList<DataPlaneInfo> dataPlanes, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        lock (_gate)
        {
            _reports[replicaId] = dataPlanes;
            Reports++;
        }
    }

    public async ValueTask<IReadOnlyList<DataPlaneInfo>> GetDataPlanesAsync(CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        lock (_gate)
        {
            return _reports.SelectMany(r => r.Value.Select(d => d with { ReplicaId = r.Key })).ToArray();
        }
    }

    public int Subscribers
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Announces a revision to every subscriber (0: "reconnected").</summary>
    public void Notify(long revision)
    {
        Action<long>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber(revision);
        }
    }

    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        if (Hang is { } hang)
        {
            await hang.WaitAsync(cancellationToken);
        }

        if (Down)
        {
            throw new ControlPlaneBackplaneException("the test backplane is down");
        }
    }

    private sealed class Unsubscribe(Action action) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            action();
            return ValueTask.CompletedTask;
        }
    }
}
