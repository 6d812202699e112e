using static Resilience.ControlPlane.Tests.RolloutTestData;

namespace Resilience.ControlPlane.Tests;

/// <summary>The rollout state machine on explicit times: waves, bake, gates, halt and rollback, operator actions.</summary>
public sealed class RolloutEngineTests
{
    private static readonly TimeSpan Bake = TimeSpan.FromMinutes(5);

    [Fact]
    public void A_wave_bakes_once_every_node_applied_then_promotes_the_next_and_the_last_completes()
    {
        var fleet = new List<FleetNode> { Node("canary", ("ring", "canary")), Node("a"), Node("b") };
        var plan = Plan(RolloutWave.WithLabels(new Dictionary<string, string> { ["ring"] = "canary" }, Bake), RolloutWave.Rest(Bake));
        var (record, events) = RolloutEngine.Start("r1", Candidate, Stable, plan, fleet, "ops", T0);
        Assert.Equal(RolloutWaveState.Applying, record.WaveStates[0].State);
        Assert.Equal(RolloutWaveState.Pending, record.WaveStates[1].State);
        Assert.Contains(events, e => e.Kind == RolloutEventKind.WaveStarted && e.Wave == 0);

        // Applied at +10 s: the bake runs from there, not from the wave's start.
        var t1 = T0.AddSeconds(10);
        (record, events) = RolloutEngine.Advance(record, Reports(Applied("canary", t1)), fleet, t1);
        Assert.Equal(RolloutWaveState.Baking, record.WaveStates[0].State);
        Assert.Equal(t1, record.WaveStates[0].BakeStartedAt);

        (record, _) = RolloutEngine.Advance(record, Reports(Applied("canary", t1)), fleet, t1 + Bake - TimeSpan.FromTicks(1));
        Assert.Equal(0, record.CurrentWave);

        (record, events) = RolloutEngine.Advance(record, Reports(Applied("canary", t1)), fleet, t1 + Bake);
        Assert.Equal(1, record.CurrentWave);
        Assert.Equal(RolloutWaveState.Passed, record.WaveStates[0].State);
        Assert.Equal(RolloutWaveState.Applying, record.WaveStates[1].State);
        Assert.Contains(events, e => e.Kind == RolloutEventKind.WavePassed && e.Wave == 0);

        var t2 = t1 + Bake + TimeSpan.FromSeconds(3);
        var all = Reports(Applied("canary", t1), Applied("a", t2), Applied("b", t2));
        (record, _) = RolloutEngine.Advance(record, all, fleet, t2);
        (record, events) = RolloutEngine.Advance(record, all, fleet, t2 + Bake);
        Assert.Equal(RolloutRecordPhase.Completed, record.Phase);
        Assert.Equal(RolloutPhase.Completed, record.PublicPhase);
        Assert.Equal(t2 + Bake, record.EndedAt);
        Assert.Contains(events, e => e.Kind == RolloutEventKind.Completed);
    }

    [Fact]
    public void A_node_that_rejects_halts_the_rollout_which_ends_rolled_back_once_the_wave_serves_the_stable_configuration()
    {
        var fleet = Fleet(4);
        var plan = Plan(RolloutWave.WithCount(2, Bake), RolloutWave.Rest(Bake));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, fleet, "ops", T0);
        var canaries = Members(record, 0);
        var t1 = T0.AddSeconds(2);
        var reports = Reports(
            Applied(canaries[0], t1),
            Serving(canaries[1], Stable.Hash) with { Outcome = RolloutNodeState.Rejected, OutcomeReason = "ValidatorRejected: unknown cluster 'x'" });

        (record, var events) = RolloutEngine.Advance(record, reports, fleet, t1);

        Assert.Equal(RolloutRecordPhase.RollingBack, record.Phase);
        Assert.Equal(RolloutWaveState.Failed, record.WaveStates[0].State);
        Assert.Contains($"node {canaries[1]} rejected it: ValidatorRejected: unknown cluster 'x'", record.Reason, StringComparison.Ordinal);
        Assert.Contains(events, e => e.Kind == RolloutEventKind.Halted);
        Assert.Equal([canaries[0]], RolloutEngine.NodesServingCandidate(record, reports));

        // Still serving the candidate: not done. Back on the stable one: rolled back.
        (record, _) = RolloutEngine.Advance(record, reports, fleet, t1.AddSeconds(1));
        Assert.Equal(RolloutRecordPhase.RollingBack, record.Phase);
        reports[canaries[0]] = Serving(canaries[0], Stable.Hash) with { AppliedAt = t1 };
        (record, events) = RolloutEngine.Advance(record, reports, fleet, t1.AddSeconds(2));
        Assert.Equal(RolloutPhase.RolledBack, record.PublicPhase);
        Assert.Equal(t1.AddSeconds(2), record.EndedAt);
        Assert.Contains(events, e => e.Kind == RolloutEventKind.RollbackCompleted);
    }

    [Fact]
    public void A_node_that_reverted_on_its_own_halts_the_rollout()
    {
        var fleet = Fleet(3);
        var plan = Plan(RolloutWave.WithCount(1, Bake), RolloutWave.Rest(Bake));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, fleet, "ops", T0);
        var canary = Members(record, 0)[0];

        var reverted = Applied(canary, T0.AddSeconds(1)) with { ServedHash = Stable.Hash, Outcome = RolloutNodeState.Reverted, OutcomeReason = "failed requests 100 % (before 0 %)", OutcomeActor = "self-revert" };
        (record, _) = RolloutEngine.Advance(record, Reports(reverted), fleet, T0.AddSeconds(20));

        Assert.Equal(RolloutRecordPhase.RolledBack, record.Phase);
        Assert.Contains("reverted it: failed requests 100 %", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rollouts_own_rollback_of_a_node_is_not_a_refusal_but_an_operators_rollback_on_the_node_is()
    {
        var fleet = Fleet(2);
        var plan = Plan(RolloutWave.WithCount(1, Bake), RolloutWave.Rest(Bake));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, fleet, "ops", T0);
        var canary = Members(record, 0)[0];
        var ours = Applied(canary, T0.AddSeconds(1)) with { Outcome = RolloutNodeState.RolledBack, OutcomeActor = "control-plane:r1", OutcomeReason = "x" };
        var evaluation = WaveGates.Evaluate(record, 0, Reports(ours), T0.AddSeconds(2));
        Assert.Null(evaluation.Failure);

        var operators = ours with { OutcomeActor = "admin:alice", OutcomeReason = "looked wrong" };
        evaluation = WaveGates.Evaluate(record, 0, Reports(operators), T0.AddSeconds(2));
        Assert.Equal($"node {canary} rolled back it: looked wrong", evaluation.Failure);
    }

    [Fact]
    public void A_node_that_does_not_serve_it_within_the_apply_timeout_fails_the_wave()
    {
        var fleet = Fleet(2);
        var waves = Plan(new RolloutWave { Count = 1, BakeTime = Bake, Gates = new RolloutGates { ApplyTimeout = TimeSpan.FromSeconds(30) } }, RolloutWave.Rest(Bake));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, waves, fleet, "ops", T0);
        var canary = Members(record, 0)[0];
        var silent = Reports(Serving(canary, Stable.Hash));

        (record, _) = RolloutEngine.Advance(record, silent, fleet, T0.AddSeconds(30));
        Assert.Equal(RolloutRecordPhase.Running, record.Phase);
        Assert.Equal(RolloutNodeState.Pending, WaveGates.Evaluate(record, 0, silent, T0.AddSeconds(30)).Nodes[0].State);

        (record, _) = RolloutEngine.Advance(record, silent, fleet, T0.AddSeconds(31));
        Assert.Equal(RolloutRecordPhase.RolledBack, record.Phase);
        Assert.Contains($"node {canary} did not serve it within 00:00:30", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_failed_request_gate_is_undecided_below_the_minimum_and_fails_when_the_share_rises_above_before_plus_the_allowance()
    {
        var fleet = Fleet(3);
        var waves = Plan(new RolloutWave { Count = 2, BakeTime = Bake, Gates = new RolloutGates { MinRequests = 100, MaxFailedRequestShareIncrease = 0.05 } }, RolloutWave.Rest(Bake));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, waves, fleet, "ops", T0);
        var (a, b) = (Members(record, 0)[0], Members(record, 0)[1]);
        var t = T0.AddSeconds(5);

        // 99 requests, all failed: too few to decide; the wave bakes on.
        var few = Reports(Applied(a, t, requests: 50, failed: 50), Applied(b, t, requests: 49, failed: 49));
        var evaluation = WaveGates.Evaluate(record, 0, few, t);
        Assert.Equal(RolloutGateState.Undecided, evaluation.Gates.Single(g => g.Name == WaveGates.FailedRequests).State);
        Assert.Null(evaluation.Failure);

        // 10 % before, 14 % now: within 10 % + 5 points.
        var within = Reports(Applied(a, t, 100, 14, 1000, 100), Applied(b, t, 100, 14, 1000, 100));
        Assert.Equal(RolloutGateState.Passed, WaveGates.Evaluate(record, 0, within, t).Gates.Single(g => g.Name == WaveGates.FailedRequests).State);

        // 16 % now: over.
        var over = Reports(Applied(a, t, 100, 16, 1000, 100), Applied(b, t, 100, 16, 1000, 100));
        (record, _) = RolloutEngine.Advance(record, over, fleet, t);
        Assert.Equal(RolloutRecordPhase.RollingBack, record.Phase);
        Assert.Contains("the failed-request share rose to 16.0 % of 200 requests (before: 10.0 %", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Readiness_is_a_gate_only_when_the_wave_requires_it()
    {
        var fleet = Fleet(2);
        var lenient = Plan(RolloutWave.WithCount(1, Bake), RolloutWave.Rest(Bake));
        var strict = Plan(new RolloutWave { Count = 1, BakeTime = Bake, Gates = new RolloutGates { RequireReady = true } }, RolloutWave.Rest(Bake));
        var (a, _) = RolloutEngine.Start("r1", Candidate, Stable, lenient, fleet, "ops", T0);
        var (b, _) = RolloutEngine.Start("r2", Candidate, Stable, strict, fleet, "ops", T0);
        var canary = Members(a, 0)[0];
        var notReady = Reports(Applied(canary, T0, ready: false));

        Assert.Null(WaveGates.Evaluate(a, 0, notReady, T0).Failure);
        Assert.Equal($"node {canary} is not ready with it", WaveGates.Evaluate(b, 0, notReady, T0).Failure);
    }

    [Fact]
    public void A_wave_that_selects_fewer_nodes_than_its_minimum_halts_before_anything_is_sent()
    {
        var plan = Plan(RolloutWave.WithLabels(new Dictionary<string, string> { ["ring"] = "canary" }, Bake), RolloutWave.Rest(Bake));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, Fleet(3), "ops", T0);

        Assert.Equal(RolloutPhase.RolledBack, record.PublicPhase);
        Assert.Contains("selects 0 node(s), fewer than the 1 it needs", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Pausing_holds_the_promotion_but_not_the_rollback_and_resuming_promotes()
    {
        var fleet = Fleet(3);
        var plan = Plan(RolloutWave.WithCount(1, Bake), RolloutWave.Rest(Bake));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, fleet, "ops", T0);
        var canary = Members(record, 0)[0];
        var good = Reports(Applied(canary, T0));
        (record, _) = RolloutEngine.Advance(record, good, fleet, T0);
        record = RolloutEngine.Pause(record, "looking at dashboards", "alice");
        Assert.Equal(RolloutPhase.Paused, record.PublicPhase);

        (record, _) = RolloutEngine.Advance(record, good, fleet, T0 + Bake + Bake);
        Assert.Equal(0, record.CurrentWave);

        var rejected = Reports(Applied(canary, T0) with { Outcome = RolloutNodeState.Reverted, OutcomeReason = "probe failed" });
        var (halted, _) = RolloutEngine.Advance(record, rejected, fleet, T0 + Bake + Bake);
        Assert.Equal(RolloutRecordPhase.RollingBack, halted.Phase);

        record = RolloutEngine.Resume(record, "alice");
        (record, _) = RolloutEngine.Advance(record, good, fleet, T0 + Bake + Bake);
        Assert.Equal(1, record.CurrentWave);
    }

    [Fact]
    public void Promote_now_ends_the_bake_and_starts_the_next_wave_and_on_the_last_wave_completes()
    {
        var fleet = Fleet(3);
        var plan = Plan(RolloutWave.WithCount(1, Bake), RolloutWave.Rest(Bake));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, fleet, "ops", T0);

        (record, var events) = RolloutEngine.Promote(record, "alice", T0.AddSeconds(1));
        Assert.Equal(1, record.CurrentWave);
        Assert.Contains(events, e => e.Kind == RolloutEventKind.Promoted);
        (record, _) = RolloutEngine.Promote(record, "alice", T0.AddSeconds(2));
        Assert.Equal(RolloutPhase.Completed, record.PublicPhase);

        Assert.Throws<RolloutOperationException>(() => RolloutEngine.Promote(record, "alice", T0.AddSeconds(3)));
        Assert.Throws<RolloutOperationException>(() => RolloutEngine.Pause(record, null, "alice"));
    }

    [Fact]
    public void Abort_rolls_back_and_ends_aborted_and_a_node_that_never_confirms_is_named_after_the_apply_timeout()
    {
        var fleet = Fleet(2);
        var plan = Plan(new RolloutWave { Count = 1, BakeTime = Bake, Gates = new RolloutGates { ApplyTimeout = TimeSpan.FromSeconds(20) } }, RolloutWave.Rest(Bake));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, fleet, "ops", T0);
        var canary = Members(record, 0)[0];
        var stuck = Reports(Applied(canary, T0));

        (record, _) = RolloutEngine.Halt(record, RolloutPhase.Aborted, "aborted by alice", "alice", T0.AddSeconds(1));
        Assert.Equal(RolloutPhase.RollingBack, record.PublicPhase);
        (record, _) = RolloutEngine.Advance(record, stuck, fleet, T0.AddSeconds(21));
        Assert.Equal(RolloutPhase.RollingBack, record.PublicPhase);
        (record, _) = RolloutEngine.Advance(record, stuck, fleet, T0.AddSeconds(22));

        Assert.Equal(RolloutPhase.Aborted, record.PublicPhase);
        Assert.Equal($"aborted by alice (not confirmed in time by {canary})", record.Reason);
    }

    [Fact]
    public void A_wave_with_zero_bake_and_no_nodes_left_passes_in_the_same_step()
    {
        var fleet = Fleet(2);
        var plan = Plan(RolloutWave.WithCount(2, TimeSpan.Zero), RolloutWave.Rest(TimeSpan.Zero));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, fleet, "ops", T0);
        var both = Reports(Applied("node-000", T0), Applied("node-001", T0));

        (record, var events) = RolloutEngine.Advance(record, both, fleet, T0);

        Assert.Equal(RolloutPhase.Completed, record.PublicPhase);
        Assert.Equal(2, events.Count(e => e.Kind == RolloutEventKind.WavePassed));
    }
}
