using static Resilience.ControlPlane.Tests.RolloutTestData;

namespace Resilience.ControlPlane.Tests;

/// <summary>Which nodes a wave takes: labels, a share or count in an order fixed by the node id, everyone else; never changed within a rollout.</summary>
public sealed class WaveSelectionTests
{
    [Fact]
    public void A_five_percent_wave_of_100_nodes_takes_5_and_the_same_5_on_every_rollout_whatever_order_the_fleet_is_listed_in()
    {
        var fleet = Fleet(100);
        var plan = Plan(RolloutWave.WithShare(0.05, TimeSpan.FromMinutes(1)), RolloutWave.Rest(TimeSpan.Zero));

        var (first, _, _) = WaveSelection.Plan(plan, fleet);
        var shuffled = fleet.OrderBy(n => n.NodeId.GetHashCode(StringComparison.Ordinal) ^ 0x5bd1e995).ToList();
        var (second, _, _) = WaveSelection.Plan(plan, shuffled);

        var canaries = first.Where(a => a.Value == 0).Select(a => a.Key).Order().ToArray();
        Assert.Equal(5, canaries.Length);
        Assert.Equal(canaries, second.Where(a => a.Value == 0).Select(a => a.Key).Order().ToArray());
        Assert.Equal(95, first.Count(a => a.Value == 1));

        // The order is the node id's hash: the five with the lowest rank.
        Assert.Equal(fleet.Select(n => n.NodeId).OrderBy(WaveSelection.Rank).Take(5).Order(), canaries);
    }

    [Fact]
    public void The_rank_is_a_fixed_function_of_the_node_id_spread_over_zero_to_one()
    {
        Assert.Equal(WaveSelection.Rank("gateway-a"), WaveSelection.Rank("gateway-a"));
        Assert.NotEqual(WaveSelection.Rank("gateway-a"), WaveSelection.Rank("gateway-b"));
        var ranks = Enumerable.Range(0, 10_000).Select(i => WaveSelection.Rank($"n{i}")).ToArray();
        Assert.All(ranks, r => Assert.InRange(r, 0.0, 0.9999999999));
        Assert.InRange(ranks.Count(r => r < 0.05), 400, 600);
    }

    [Fact]
    public void Labels_count_and_everyone_else_split_the_fleet_in_wave_order_and_a_node_is_in_one_wave_only()
    {
        var fleet = new List<FleetNode>
        {
            Node("canary-1", ("ring", "canary")),
            Node("canary-2", ("ring", "canary"), ("zone", "b")),
            Node("a"), Node("b"), Node("c"), Node("d"),
        };
        var plan = Plan(
            RolloutWave.WithLabels(new Dictionary<string, string> { ["ring"] = "canary" }, TimeSpan.Zero),
            RolloutWave.WithCount(2, TimeSpan.Zero),
            RolloutWave.Rest(TimeSpan.Zero));

        var (assignments, waves, counts) = WaveSelection.Plan(plan, fleet);

        Assert.Equal(["canary-1", "canary-2"], assignments.Where(a => a.Value == 0).Select(a => a.Key).Order());
        var counted = assignments.Where(a => a.Value == 1).Select(a => a.Key).ToArray();
        Assert.Equal(2, counted.Length);
        Assert.DoesNotContain(counted, id => id.StartsWith("canary", StringComparison.Ordinal));
        Assert.Equal(new[] { "a", "b", "c", "d" }.OrderBy(WaveSelection.Rank).Take(2).Order(), counted.Order());
        Assert.Equal(new[] { "a", "b", "c", "d" }.Except(counted).Order(), assignments.Where(a => a.Value == 2).Select(a => a.Key).Order());
        Assert.Equal(counted.Order(), counts![1].Order());
        Assert.Equal([2, 2, 2], waves.Select(w => w.PlannedNodes));
        Assert.Equal(6, assignments.Count);
    }

    [Fact]
    public void A_node_no_wave_selects_is_outside_every_wave()
    {
        var plan = Plan(RolloutWave.WithLabels(new Dictionary<string, string> { ["ring"] = "canary" }, TimeSpan.Zero));
        var (assignments, _, _) = WaveSelection.Plan(plan, [Node("canary", ("ring", "canary")), Node("other")]);

        Assert.Equal(0, assignments["canary"]);
        Assert.Equal(WaveSelection.NoWave, assignments["other"]);
    }

    [Fact]
    public void A_node_that_connects_later_joins_a_share_wave_only_if_it_ranks_within_its_cutoff_and_never_a_count_wave()
    {
        var fleet = Fleet(40);
        var plan = Plan(RolloutWave.WithCount(1, TimeSpan.Zero), RolloutWave.WithShare(0.25, TimeSpan.Zero), RolloutWave.Rest(TimeSpan.Zero));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, fleet, "test", T0);
        var cutoff = record.WaveStates[1].CutoffRank!.Value;

        var late = Enumerable.Range(0, 400).Select(i => $"late-{i}").ToArray();
        var low = late.First(id => WaveSelection.Rank(id) <= cutoff);
        var high = late.First(id => WaveSelection.Rank(id) > cutoff);

        Assert.Equal(1, WaveSelection.Select(record, low, new Dictionary<string, string>()));
        Assert.Equal(2, WaveSelection.Select(record, high, new Dictionary<string, string>()));
    }

    [Fact]
    public void A_pinned_node_keeps_its_wave_even_when_it_comes_back_with_other_labels()
    {
        var plan = Plan(RolloutWave.WithLabels(new Dictionary<string, string> { ["ring"] = "canary" }, TimeSpan.Zero), RolloutWave.Rest(TimeSpan.Zero));
        var (record, _) = RolloutEngine.Start("r1", Candidate, Stable, plan, [Node("x")], "test", T0);

        // Seen first without the label: pinned to "everyone else"; reconnecting as a canary does not move it.
        (record, _) = RolloutEngine.Advance(record, Reports(), [Node("y")], T0);
        (record, _) = RolloutEngine.Advance(record, Reports(), [Node("y", ("ring", "canary"))], T0);

        Assert.Equal(1, record.Assignments["x"]);
        Assert.Equal(1, record.Assignments["y"]);
        Assert.Equal(1, WaveSelection.WaveOf(record, "y", new Dictionary<string, string> { ["ring"] = "canary" }));
        Assert.Equal(0, WaveSelection.WaveOf(record, "never-seen", new Dictionary<string, string> { ["ring"] = "canary" }));
    }

    [Fact]
    public void Plans_that_cannot_be_used_are_refused_with_every_problem()
    {
        var plan = new RolloutPlan(
            new RolloutWave { Share = 0.1, Count = 3 },
            new RolloutWave { Share = 1.5, BakeTime = TimeSpan.FromSeconds(-1) },
            RolloutWave.Rest(TimeSpan.Zero),
            new RolloutWave { Count = 0, Gates = new RolloutGates { ApplyTimeout = TimeSpan.Zero, MaxFailedRequestShareIncrease = 2, MinRequests = 0 } });

        var errors = plan.Validate();

        Assert.Contains(errors, e => e.Contains("wave 1 must select nodes in exactly one way", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("wave 2: the share", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("wave 2: the bake time", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("wave 3 selects everyone else", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("wave 4: the count", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("wave 4: the apply timeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("wave 4: the failed-request share", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("wave 4: the minimum number of requests", StringComparison.Ordinal));
        Assert.Single(new RolloutPlan().Validate());
    }
}
