using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>
/// The rollout state of control-plane replicas, in their backplane: the record as one JSON document written with
/// compare-and-set, each replica's node reports beside it (expiring, as registry reports do), the lease of the replica
/// that moves it on, and the configuration it goes back to. A document that does not parse is ignored and logged.
/// </summary>
internal sealed class BackplaneRolloutStore(IControlPlaneRolloutBackplane backplane, ILogger<BackplaneRolloutStore> logger) : IRolloutStore
{
    /// <summary>A replica's node report lives this many lease durations.</summary>
    private const int ReportLifetimeLeases = 3;

    private TimeSpan _reportLifetime = TimeSpan.FromSeconds(30);

    public bool IsShared => true;

    public async ValueTask<RolloutRecord?> GetAsync(CancellationToken cancellationToken)
    {
        var state = await backplane.GetRolloutAsync(cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return null;
        }

        try
        {
            var record = JsonSerializer.Deserialize(state.Document.Span, RolloutJsonContext.Default.RolloutRecord);
            return RolloutRecordCheck.Why(record) is { } why ? Invalid(why) : record! with { Version = state.Version };
        }
        catch (JsonException ex)
        {
            return Invalid(ex.Message);
        }
    }

    public ValueTask<bool> TryWriteAsync(RolloutRecord record, long expectedVersion, CancellationToken cancellationToken) =>
        backplane.TrySetRolloutAsync(new BackplaneRolloutState(record.Version, JsonSerializer.SerializeToUtf8Bytes(record, RolloutJsonContext.Default.RolloutRecord)), expectedVersion, cancellationToken);

    public ValueTask ReportAsync(string rolloutId, IReadOnlyCollection<RolloutNodeReport> reports, CancellationToken cancellationToken)
    {
        var replica = reports.Select(r => r.ReplicaId).FirstOrDefault(id => id is not null) ?? "control-plane";
        return backplane.ReportRolloutNodesAsync(rolloutId, replica, JsonSerializer.SerializeToUtf8Bytes(reports.ToArray(), RolloutJsonContext.Default.RolloutNodeReportArray), _reportLifetime, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<RolloutNodeReport>> GetReportsAsync(string rolloutId, CancellationToken cancellationToken)
    {
        var reports = new List<RolloutNodeReport>();
        foreach (var report in await backplane.GetRolloutNodeReportsAsync(rolloutId, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                reports.AddRange((JsonSerializer.Deserialize(report.Span, RolloutJsonContext.Default.RolloutNodeReportArray) ?? []).Where(r => !string.IsNullOrEmpty(r?.NodeId)));
            }
            catch (JsonException ex)
            {
                RolloutLog.InvalidStoredState(logger, "a replica's node report", ex.Message);
            }
        }

        return reports;
    }

    public ValueTask<bool> TryLeadAsync(string replicaId, TimeSpan lease, CancellationToken cancellationToken)
    {
        _reportLifetime = lease * ReportLifetimeLeases;
        return backplane.TryHoldRolloutLeaseAsync(replicaId, lease, cancellationToken);
    }

    public ValueTask SaveBaselineAsync(BackplaneConfig baseline, CancellationToken cancellationToken) => backplane.SetRolloutBaselineAsync(baseline, cancellationToken);

    public ValueTask<BackplaneConfig?> GetBaselineAsync(CancellationToken cancellationToken) => backplane.GetRolloutBaselineAsync(cancellationToken);

    private RolloutRecord? Invalid(string why)
    {
        RolloutLog.InvalidStoredState(logger, "the rollout", why);
        return null;
    }
}
