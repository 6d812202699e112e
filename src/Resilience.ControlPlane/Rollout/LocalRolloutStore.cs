namespace Resilience.ControlPlane;

/// <summary>The rollout state of a single control plane: one record in memory, written with the same compare-and-set a backplane does.</summary>
internal sealed class LocalRolloutStore : IRolloutStore
{
    private readonly object _gate = new();
    private RolloutRecord? _record;

    /// <summary>Creates the store; <paramref name="supportsRollouts"/> is false for replicas whose backplane cannot hold rollouts (one replica's rollout would not be the others').</summary>
    public LocalRolloutStore(bool supportsRollouts = true) => SupportsRollouts = supportsRollouts;

    public bool IsShared => false;

    public bool SupportsRollouts { get; }

    public ValueTask<RolloutRecord?> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Volatile.Read(ref _record));

    public ValueTask<bool> TryWriteAsync(RolloutRecord record, long expectedVersion, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if ((_record?.Version ?? 0) != expectedVersion)
            {
                return ValueTask.FromResult(false);
            }

            Volatile.Write(ref _record, record);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask ReportAsync(string rolloutId, IReadOnlyCollection<RolloutNodeReport> reports, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<IReadOnlyList<RolloutNodeReport>> GetReportsAsync(string rolloutId, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<RolloutNodeReport>>([]);

    public ValueTask<bool> TryLeadAsync(string replicaId, TimeSpan lease, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public ValueTask SaveBaselineAsync(BackplaneConfig baseline, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<BackplaneConfig?> GetBaselineAsync(CancellationToken cancellationToken) => ValueTask.FromResult<BackplaneConfig?>(null);
}
