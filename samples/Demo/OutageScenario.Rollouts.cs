using System.Diagnostics;

namespace Resilience.Samples.Demo;

/// <summary>
/// The staged-rollout phases: a configuration the gateways refuse (it routes outside their <c>Gateway:AllowedUpstreams</c>,
/// a rule the control plane does not know) reaches the canary wave only, which refuses it; a configuration every node
/// accepts and that fails every request (its upstream is a port where nothing listens) reaches the canary only, whose
/// failed requests (its heartbeats' health, or its own bake reverting it) roll the rollout back; a good one goes out in
/// two waves; and, for comparison in the same run, a dead-upstream configuration given to every node at once.
/// </summary>
internal sealed partial class OutageScenario
{
    private static readonly TimeSpan RolloutTimeout = TimeSpan.FromSeconds(40);

    /// <summary>The gateways' bake detection window (the sample's 10 s, shortened for the demo).</summary>
    private static readonly TimeSpan BakeDetectionWindow = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>The canary wave's node bake: a 1 s window judged every 100 ms from 3 requests (the nodes' own: 2 s, every 1 s, 10).</summary>
    private static readonly TimeSpan CanaryDetectionWindow = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The canary wave (A, labelled <c>ring=canary</c>) bakes 5 s, and asks A for a stricter bake of its own
    /// (<c>NodeBake</c>), so that A goes back from a bad configuration sooner than any node would by its own bake; then
    /// everyone else, 2 s, with their own bakes.
    /// </summary>
    private const string TwoWavePlan = """
        {
          "Waves": [
            { "Name": "canary", "Labels": { "ring": "canary" }, "BakeTime": "00:00:05",
              "Gates": { "ApplyTimeout": "00:00:10", "MinRequests": 10, "MaxFailedRequestShareIncrease": 0.05 },
              "NodeBake": { "DetectionWindow": "00:00:01", "EvaluationInterval": "00:00:00.1", "MinimumRequests": 3 } },
            { "Name": "everyone else", "EveryoneElse": true, "BakeTime": "00:00:02", "Gates": { "ApplyTimeout": "00:00:10" } }
          ]
        }
        """;

    private int _failedWhenStaged = -1;
    private int _requestsWhenStaged = -1;

    private (string Title, Func<Phase, CancellationToken, Task> Run)[] RolloutPhases =>
    [
        ("h. refused config staged, canary wave = A: A refuses it, rolled back, B and C never get it", RefusedRolloutAsync),
        ("i. dead-upstream config staged, canary wave = A: A's requests fail, rolled back, B and C never serve it", DeadUpstreamRolloutAsync),
        ("j. good config v7 staged in two waves: A first, then B and C", GoodRolloutAsync),
        ("k. for comparison: a dead-upstream config to every node at once, until each reverts", DeadUpstreamToEveryoneAsync),
    ];

    private async Task RefusedRolloutAsync(Phase phase, CancellationToken ct)
    {
        var v5 = HashOf("v5");
        await File.WriteAllTextAsync(_rolloutPlanFile, TwoWavePlan, ct);
        var bad = await WriteControlPlaneFileAsync("v6-bad", ct, _foreignUpstreamUrl);
        var (responses, elapsed) = await TrafficUntilAsync(
            async () => await ControlPlane.RolloutAsync(_client, ct) is { Phase: "RolledBack" } rollout && rollout.ConfigHash == bad,
            ct);
        phase.Expect(elapsed is not null, $"the rollout of v6-bad did not end rolled back within {RolloutTimeout.TotalSeconds:F0} s");

        // Every node keeps answering with v5: A refused v6-bad, B and C never got it.
        phase.Count(responses, r => r.Version == "v5");
        var sentTo = ControlPlane.SentTo(bad);
        phase.Expect(sentTo.SequenceEqual(["gateway-a"]), $"the control plane sent v6-bad to [{string.Join(", ", sentTo)}]: only the canary wave (gateway-a) may get it");
        var servedBad = Gateways.Where(n => n.ServedHashes().Contains(bad)).Select(n => n.Name).ToArray();
        phase.Expect(servedBad.Length == 0, $"v6-bad was served by [{string.Join(", ", servedBad)}]");
        phase.Expect(await InRegistryAsync(Gateways, v5, ct), "the control plane's registry does not show A, B and C serving v5");

        var rollout = await ControlPlane.RolloutAsync(_client, ct);
        var canary = rollout?.Waves[0].Nodes.SingleOrDefault(n => n.NodeId == "gateway-a");
        phase.Expect(canary?.State == "Rejected", $"the canary wave shows gateway-a {canary?.State ?? "missing"}, expected Rejected");
        phase.Expect(rollout?.Reason?.Contains("not in Gateway:AllowedUpstreams", StringComparison.Ordinal) == true, $"the rollout's reason does not give A's error: {rollout?.Reason}");
        var took = rollout?.EndedAt is { } ended ? ended - rollout.StartedAt : (TimeSpan?)null;
        phase.Note = $"staged refused config: sent to {sentTo.Count} of {Gateways.Length} nodes ({string.Join(", ", sentTo)}), served by none; "
            + $"rollout started -> rolled back in {(took is { } t ? $"{t.TotalSeconds:F1} s" : "?")}; reason: {rollout?.Reason}";
    }

    private async Task GoodRolloutAsync(Phase phase, CancellationToken ct)
    {
        var v7 = await WriteControlPlaneFileAsync("v7", ct);
        var sawCanaryAlone = false;
        var (responses, elapsed) = await TrafficUntilAsync(
            async () =>
            {
                var states = await Task.WhenAll(Gateways.Select(n => n.StateAsync(_client, ct)));
                sawCanaryAlone |= states[0]?.Hash == v7 && states.Skip(1).All(s => s?.Hash != v7);
                return states.All(s => s is { ServingTier: ControlPlaneTier, IsRouting: true } && s.Hash == v7)
                    && await ControlPlane.RolloutAsync(_client, ct) is { Phase: "Completed" } rollout && rollout.ConfigHash == v7;
            },
            ct);
        phase.Expect(elapsed is not null, $"v7 did not reach every node and complete within {RolloutTimeout.TotalSeconds:F0} s");
        phase.Expect(sawCanaryAlone, "A never served v7 alone: the first wave did not bake before the second");

        var switched = new HashSet<GatewayNode>();
        phase.Count(responses, r =>
        {
            if (r.Version == "v7")
            {
                switched.Add(r.Node);
                return true;
            }

            return !switched.Contains(r.Node) && r.Version == "v5";
        });
        phase.Expect(await InRegistryAsync(Gateways, v7, ct), "the control plane's registry does not show A, B and C in sync on v7");
        phase.Expect(await Poll.UntilAsync(() => Task.FromResult(A.HasExported(v7)), ExportTimeout, ct), "A did not export v7 once its rollout completed");
        phase.Note = $"good rollout: A first, then B and C; completed in {elapsed?.TotalSeconds:F1} s; exported by A once stable";
    }

    private async Task DeadUpstreamRolloutAsync(Phase phase, CancellationToken ct)
    {
        var v5 = HashOf("v5");
        var dead = await WriteControlPlaneFileAsync("v6-dead", ct, _deadUpstreamUrl);
        var (responses, elapsed) = await TrafficUntilAsync(
            async () => await ControlPlane.RolloutAsync(_client, ct) is { Phase: "RolledBack" } rollout && rollout.ConfigHash == dead,
            ct);
        phase.Expect(elapsed is not null, $"the rollout of v6-dead did not end rolled back within {RolloutTimeout.TotalSeconds:F0} s");

        // Failed requests are what this phase measures, on the canary only: B and C answer with v5 throughout. A request
        // A answers with v6-dead's header from the real upstream is YARP swapping back (its clusters change before its
        // routes): it succeeded.
        phase.Count(responses, r => r.Version == "v5" || (r.Node == A && r.Version == "v6-dead"), failed => failed.Node == A);
        var servedDead = Gateways.Where(n => n.ServedHashes().Contains(dead)).Select(n => n.Name).ToArray();
        phase.Expect(servedDead.SequenceEqual(["A"]), $"v6-dead was served by [{string.Join(", ", servedDead)}]: only the canary wave (A) may serve it");
        var sentTo = ControlPlane.SentTo(dead);
        phase.Expect(sentTo.SequenceEqual(["gateway-a"]), $"the control plane sent v6-dead to [{string.Join(", ", sentTo)}]: only the canary wave (gateway-a) may get it");
        phase.Expect(await InRegistryAsync(Gateways, v5, ct), "the control plane's registry does not show A, B and C serving v5");

        // YARP reloads its routes after the swap back: the next phase starts once A routes with v5 again.
        phase.Expect(
            await Poll.UntilAsync(async () => await A.StateAsync(_client, ct) is { IsRouting: true } state && state.Hash == v5, ConvergeTimeout, ct),
            "A does not route with v5 again");

        var rollout = await ControlPlane.RolloutAsync(_client, ct);
        var canary = rollout?.Waves[0].Nodes.SingleOrDefault(n => n.NodeId == "gateway-a");
        phase.Expect(canary?.State is "RolledBack" or "Reverted", $"the canary wave shows gateway-a {canary?.State ?? "missing"}, expected RolledBack (by the rollout) or Reverted (by its bake)");
        var reached = canary?.AppliedAt;
        var undone = reached is { } from && rollout?.EndedAt is { } to ? to - from : (TimeSpan?)null;
        var goal = CanaryDetectionWindow + (2 * HeartbeatInterval);
        var failed = responses.Count(r => !r.Succeeded);
        (_failedWhenStaged, _requestsWhenStaged) = (failed, responses.Count);
        phase.Note = $"staged dead-upstream config: served by [{string.Join(", ", servedDead)}] of {Gateways.Length} (A for {A.ServedFor(dead).TotalSeconds:F1} s), "
            + $"sent to [{string.Join(", ", sentTo)}]; {failed} of {responses.Count} requests failed, all via A; "
            + $"A {canary?.State}; config reached A -> rollback complete {(undone is { } u ? $"{u.TotalSeconds:F1} s" : "?")} "
            + $"(goal: the canary wave's bake detection window {CanaryDetectionWindow.TotalSeconds:F0} s + 2 heartbeats = {goal.TotalSeconds:F0} s); reason: {rollout?.Reason}";
    }

    private async Task DeadUpstreamToEveryoneAsync(Phase phase, CancellationToken ct)
    {
        File.Delete(_rolloutPlanFile);
        var v7 = HashOf("v7");

        // Another version than the staged one: a node reverts a configuration once, and A reverted or was rolled back from v6-dead.
        var dead = await WriteControlPlaneFileAsync("v8-dead", ct, _deadUpstreamUrl);
        var (responses, elapsed) = await TrafficUntilAsync(
            async () => Gateways.All(n => n.ServedHashes().Contains(dead))
                && (await Task.WhenAll(Gateways.Select(n => n.StateAsync(_client, ct)))).All(s => s?.Hash == v7 && s.IsRouting),
            ct);
        phase.Expect(elapsed is not null, $"the nodes did not all serve v8-dead and revert to v7 within {RolloutTimeout.TotalSeconds:F0} s");

        // Every node serves it this time, fails, and goes back to v7 by its own bake.
        phase.Count(responses, r => r.Version is "v7" or "v8-dead", _ => true);
        var servedDead = Gateways.Where(n => n.ServedHashes().Contains(dead)).Select(n => n.Name).ToArray();
        phase.Expect(servedDead.Length == Gateways.Length, $"v8-dead was served by [{string.Join(", ", servedDead)}], expected every node");
        var failed = responses.Count(r => !r.Succeeded);
        var registry = await ControlPlane.NodesAsync(_client, ct);
        var ratio = failed > 0 && _failedWhenStaged >= 0 ? (double)_failedWhenStaged / failed : double.NaN;
        phase.Note = $"same kind of dead-upstream config to all at once: served by [{string.Join(", ", servedDead)}] "
            + $"(A {A.ServedFor(dead).TotalSeconds:F1} s, B {B.ServedFor(dead).TotalSeconds:F1} s, C {C.ServedFor(dead).TotalSeconds:F1} s); "
            + $"{failed} of {responses.Count} requests failed; registry: {string.Join(", ", registry.Select(n => $"{n.NodeId} {n.SyncStatus}"))}. "
            + $"Failed requests staged/at once: {_failedWhenStaged}/{failed} = {ratio:F2} (goal: at most the first wave's share, 1/3 = 0.33)";
    }

    /// <summary>Sends bursts of traffic through every node until the condition holds (or the rollout timeout passes).</summary>
    private async Task<(List<ProxiedResponse> Responses, TimeSpan? Elapsed)> TrafficUntilAsync(Func<Task<bool>> done, CancellationToken ct)
    {
        var responses = new List<ProxiedResponse>();
        var clock = Stopwatch.StartNew();
        var reached = await Poll.UntilAsync(
            async () =>
            {
                responses.AddRange(await Traffic.SendAsync(_client, Gateways, 15, ct));
                return await done();
            },
            RolloutTimeout,
            ct);
        return (responses, reached ? clock.Elapsed : null);
    }
}
