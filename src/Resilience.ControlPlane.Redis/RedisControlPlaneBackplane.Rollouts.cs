using StackExchange.Redis;

namespace Resilience.ControlPlane.Redis;

/// <summary>
/// The rollouts' part of the Redis backplane: the rollout document in one hash written by a compare-and-set script, the
/// driving replica's lease as an expiring key, each replica's node report as an expiring key listed in a set (as the
/// registry reports are), and the configuration the rollout goes back to in a hash like the latest configuration's.
/// </summary>
internal sealed partial class RedisControlPlaneBackplane : IControlPlaneRolloutBackplane
{
    public async ValueTask<BackplaneRolloutState?> GetRolloutAsync(CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var fields = await RunAsync(database.HashGetAsync(RedisBackplaneDefaults.RolloutKey(_options.KeyPrefix), ["version", "doc"]), "read rollout", cancellationToken).ConfigureAwait(false);
        if (!fields[0].TryParse(out long version) || version <= 0 || fields[1].IsNull)
        {
            return null;
        }

        return new BackplaneRolloutState(version, (byte[])fields[1]!);
    }

    public async ValueTask<bool> TrySetRolloutAsync(BackplaneRolloutState state, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(state.Version, expectedVersion);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = await RunAsync(
            database.ScriptEvaluateAsync(
                RedisBackplaneScripts.SetRollout,
                [RedisBackplaneDefaults.RolloutKey(_options.KeyPrefix)],
                [expectedVersion, state.Version, state.Document, _channelName]),
            "write rollout",
            cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async ValueTask<bool> TryHoldRolloutLeaseAsync(string replicaId, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(replicaId);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = await RunAsync(
            database.ScriptEvaluateAsync(
                RedisBackplaneScripts.HoldLease,
                [RedisBackplaneDefaults.RolloutLeaseKey(_options.KeyPrefix)],
                [replicaId, (long)Math.Max(1, duration.TotalMilliseconds)]),
            "rollout lease",
            cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async ValueTask ReportRolloutNodesAsync(string rolloutId, string replicaId, ReadOnlyMemory<byte> report, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(rolloutId);
        ArgumentException.ThrowIfNullOrEmpty(replicaId);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(
            database.ScriptEvaluateAsync(
                RedisBackplaneScripts.Report,
                [RedisBackplaneDefaults.RolloutReportKeyPrefix(_options.KeyPrefix, rolloutId) + replicaId, RedisBackplaneDefaults.RolloutReplicasKey(_options.KeyPrefix, rolloutId)],
                [report, (long)Math.Max(1, timeToLive.TotalMilliseconds), replicaId]),
            "rollout report",
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> GetRolloutNodeReportsAsync(string rolloutId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(rolloutId);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = await RunAsync(
            database.ScriptEvaluateAsync(
                RedisBackplaneScripts.ReadReports,
                [RedisBackplaneDefaults.RolloutReplicasKey(_options.KeyPrefix, rolloutId)],
                [RedisBackplaneDefaults.RolloutReportKeyPrefix(_options.KeyPrefix, rolloutId)]),
            "read rollout reports",
            cancellationToken).ConfigureAwait(false);
        var items = (RedisResult[])result!;
        var reports = new List<ReadOnlyMemory<byte>>(items.Length / 2);
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            reports.Add((byte[])items[i + 1]!);
        }

        return reports;
    }

    public async ValueTask SetRolloutBaselineAsync(BackplaneConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        HashEntry[] fields =
        [
            new("rev", config.Revision),
            new("hash", config.Hash),
            new("version", config.Version ?? string.Empty),
            new("ts", config.Timestamp.ToUnixTimeMilliseconds()),
            new("size", config.Size),
            new("sig", config.Signature ?? string.Empty),
            new("payload", config.Payload),
            new("rollout", config.RolloutId ?? string.Empty),
        ];
        await RunAsync(database.HashSetAsync(RedisBackplaneDefaults.RolloutBaselineKey(_options.KeyPrefix), fields), "write rollout baseline", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<BackplaneConfig?> GetRolloutBaselineAsync(CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var fields = await RunAsync(database.HashGetAllAsync(RedisBackplaneDefaults.RolloutBaselineKey(_options.KeyPrefix)), "read rollout baseline", cancellationToken).ConfigureAwait(false);
        return ReadConfig(fields);
    }
}
