using System.Globalization;

namespace Resilience.ControlPlane;

/// <summary>
/// Reads a wave's gates from its nodes' reports: how many nodes it has, whether each serves the configuration within
/// the apply timeout, whether any refused, reverted or rolled it back, the failed-request share against the share
/// before, and readiness. Pure: the same record, reports and time give the same answer on every replica.
/// </summary>
internal static class WaveGates
{
    public const string Nodes = "nodes";
    public const string Applied = "applied";
    public const string NoRejects = "no rejects or reverts";
    public const string FailedRequests = "failed requests";
    public const string Ready = "ready";

    public static WaveEvaluation Evaluate(RolloutRecord record, int index, IReadOnlyDictionary<string, RolloutNodeReport> reports, DateTimeOffset now)
    {
        var plan = record.Waves[index];
        var wave = record.WaveStates[index];
        var started = wave.State != RolloutWaveState.Pending && wave.StartedAt is not null;
        var members = record.Assignments.Where(a => a.Value == index).Select(a => a.Key).Order(StringComparer.Ordinal).ToArray();
        var nodes = new List<RolloutNodeStatus>(members.Length);
        long requests = 0, failed = 0, beforeRequests = 0, beforeFailed = 0;
        string? refusal = null, timeout = null, notReady = null;
        var allApplied = true;
        var allReady = true;
        foreach (var id in members)
        {
            reports.TryGetValue(id, out var report);
            var state = started ? NodeState(record, plan, wave, report, now) : RolloutNodeState.Waiting;
            if (state != RolloutNodeState.Applied)
            {
                allApplied = false;
            }

            if (state is RolloutNodeState.Rejected or RolloutNodeState.Reverted or RolloutNodeState.RolledBack && IsRefusal(record, report))
            {
                refusal ??= $"node {id} {Verb(state)} it: {report?.OutcomeReason ?? "no reason given"}";
            }

            if (state == RolloutNodeState.TimedOut)
            {
                timeout ??= $"node {id} did not serve it within {plan.ApplyTimeout}";
            }

            if (report is not null && report.AppliedAt is not null)
            {
                requests += report.DuringRequests;
                failed += report.DuringFailed;
                beforeRequests += report.BeforeRequests;
                beforeFailed += report.BeforeFailed;
                if (state == RolloutNodeState.Applied && report.Ready == false)
                {
                    notReady ??= $"node {id} is not ready with it";
                }

                allReady &= report.Ready == true;
            }
            else
            {
                allReady = false;
            }

            nodes.Add(new RolloutNodeStatus
            {
                NodeId = id,
                State = state,
                ServedHash = report?.ServedHash,
                IsConnected = report?.IsConnected ?? false,
                AppliedAt = report?.AppliedAt,
                Requests = report?.DuringRequests ?? 0,
                FailedRequests = report?.DuringFailed ?? 0,
                Reason = report?.OutcomeReason,
            });
        }

        var gates = new List<RolloutGateStatus>(5);
        string? failure = null;
        var enough = members.Length >= plan.MinNodes;
        gates.Add(new RolloutGateStatus
        {
            Name = Nodes,
            State = enough ? RolloutGateState.Passed : started ? RolloutGateState.Failed : RolloutGateState.Pending,
            Value = members.Length.ToString(CultureInfo.InvariantCulture),
            Threshold = $"at least {plan.MinNodes}",
        });
        if (!enough && started)
        {
            failure = $"{plan.Name} selects {members.Length} node(s), fewer than the {plan.MinNodes} it needs";
        }

        gates.Add(new RolloutGateStatus
        {
            Name = Applied,
            State = !started ? RolloutGateState.Pending : timeout is not null ? RolloutGateState.Failed : allApplied ? RolloutGateState.Passed : RolloutGateState.Pending,
            Value = $"{nodes.Count(n => n.State == RolloutNodeState.Applied)} of {members.Length}",
            Threshold = $"every node within {plan.ApplyTimeout}",
        });
        failure ??= timeout;
        gates.Add(new RolloutGateStatus
        {
            Name = NoRejects,
            State = !started ? RolloutGateState.Pending : refusal is not null ? RolloutGateState.Failed : RolloutGateState.Passed,
            Value = refusal,
            Threshold = "no node rejects, reverts or rolls it back",
        });
        failure ??= refusal;
        if (plan.MaxFailedRequestShareIncrease is { } increase)
        {
            var share = requests > 0 ? (double)failed / requests : 0;
            var before = beforeRequests > 0 ? (double)beforeFailed / beforeRequests : 0;
            var decided = requests >= plan.MinRequests;
            var over = decided && share > before + increase;
            gates.Add(new RolloutGateStatus
            {
                Name = FailedRequests,
                State = !started ? RolloutGateState.Pending : !decided ? RolloutGateState.Undecided : over ? RolloutGateState.Failed : RolloutGateState.Passed,
                Value = $"{Percent(share)} of {requests} requests (before: {Percent(before)} of {beforeRequests})",
                Threshold = $"at most the share before + {Percent(increase)}, from {plan.MinRequests} requests",
            });
            if (over)
            {
                failure ??= $"the failed-request share rose to {Percent(share)} of {requests} requests (before: {Percent(before)}; allowed: + {Percent(increase)})";
            }
        }

        if (plan.RequireReady)
        {
            gates.Add(new RolloutGateStatus
            {
                Name = Ready,
                State = !started ? RolloutGateState.Pending : notReady is not null ? RolloutGateState.Failed : allReady && members.Length > 0 ? RolloutGateState.Passed : RolloutGateState.Pending,
                Value = notReady,
                Threshold = "every node ready with it",
            });
            failure ??= notReady;
        }

        return new WaveEvaluation(nodes, gates, started ? failure : null);
    }

    /// <summary>A node of a started wave: what it said of the candidate, else whether it serves it, else whether its time ran out.</summary>
    internal static RolloutNodeState NodeState(RolloutRecord record, WavePlan plan, WaveRecord wave, RolloutNodeReport? report, DateTimeOffset now)
    {
        if (report?.Outcome is { } outcome)
        {
            return outcome;
        }

        if (report?.AppliedAt is not null)
        {
            return RolloutNodeState.Applied;
        }

        var from = wave.StartedAt!.Value;
        if (report is not null && report.IsConnected && report.ConnectedAt > from)
        {
            from = report.ConnectedAt;
        }

        return now - from > plan.ApplyTimeout ? RolloutNodeState.TimedOut : RolloutNodeState.Pending;
    }

    /// <summary>A rollback the rollout itself asked for is not a refusal; one from an operator on the node or its self-revert is.</summary>
    private static bool IsRefusal(RolloutRecord record, RolloutNodeReport? report) =>
        report?.Outcome != RolloutNodeState.RolledBack || !string.Equals(report.OutcomeActor, RolloutActors.ControlPlane(record.Id), StringComparison.Ordinal);

    private static string Verb(RolloutNodeState state) => state switch
    {
        RolloutNodeState.Rejected => "rejected",
        RolloutNodeState.Reverted => "reverted",
        _ => "rolled back",
    };

    private static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
