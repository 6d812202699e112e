using System.Diagnostics;

namespace Resilience.Samples.Demo;

/// <summary>
/// The staged-rollout phases: a configuration the gateways refuse (it routes outside their <c>Gateway:AllowedUpstreams</c>,
/// a rule the control plane does not know) reaches the canary wave only, which refuses it, and the rollout rolls back;
/// a good one goes out in two waves; and, for comparison in the same run, the same bad configuration given to every
/// node at once.
/// </summary>
/// <remarks>
/// A configuration that the nodes accept and that fails under traffic (a dead upstream) needs the nodes' health in
/// heartbeats and their self-revert, which the gateways do not report yet: the canary's gate here is "no node
/// rejected it".
/// </remarks>
internal sealed partial class OutageScenario
{
    private static readonly TimeSpan RolloutTimeout = TimeSpan.FromSeconds(40);

    /// <summary>The canary wave (A, labelled <c>ring=canary</c>) bakes 5 s; then everyone else, 2 s.</summary>
    private const string TwoWavePlan = """
        {
          "Waves": [
            { "Name": "canary", "Labels": { "ring": "canary" }, "BakeTime": "00:00:05",
              "Gates": { "ApplyTimeout": "00:00:10", "MinRequests": 10, "MaxFailedRequestShareIncrease": 0.05 } },
            { "Name": "everyone else", "EveryoneElse": true, "BakeTime": "00:00:02", "Gates": { "ApplyTimeout": "00:00:10" } }
          ]
        }
        """;

    private int _nodesSentBadWhenStaged = -1;

    private (string Title, Func<Phase, CancellationToken, Task> Run)[] RolloutPhases =>
    [
        ("h. refused config staged, canary wave = A: A refuses it, rolled back, B and C never get it", RefusedRolloutAsync),
        ("i. good config v7 staged in two waves: A first, then B and C", GoodRolloutAsync),
        ("j. for comparison: the same refused config to every node at once", RefusedToEveryoneAsync),
    ];

    private async Task RefusedRolloutAsync(Phase phase, CancellationToken ct)
    {
        var v5 = HashOf("v5");
        await File.WriteAllTextAsync(_rolloutPlanFile, TwoWavePlan, ct);
        var bad = await WriteControlPlaneFileAsync("v6-bad", ct, _deadUpstreamUrl);
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
        _nodesSentBadWhenStaged = sentTo.Count;
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

    private async Task RefusedToEveryoneAsync(Phase phase, CancellationToken ct)
    {
        File.Delete(_rolloutPlanFile);
        var v7 = HashOf("v7");
        var bad = HashOf("v6-bad");
        await ReplaceControlPlaneFileAsync(GatewayConfigs.Json("v6-bad", _deadUpstreamUrl), ct);
        var (responses, elapsed) = await TrafficUntilAsync(
            async () => (await ControlPlane.NodesAsync(_client, ct)).Count(n => n.ConfigHash == v7 && n.SyncStatus == "Rejected") == Gateways.Length,
            ct);
        phase.Expect(elapsed is not null, $"the nodes did not all refuse v6-bad within {RolloutTimeout.TotalSeconds:F0} s");

        // Every node gets it this time, and every node refuses it and keeps v7.
        phase.Count(responses, r => r.Version == "v7");
        var sentTo = ControlPlane.SentTo(bad);
        phase.Expect(sentTo.Count == Gateways.Length, $"the control plane sent v6-bad to [{string.Join(", ", sentTo)}], expected every node");
        phase.Expect(Gateways.All(n => !n.ServedHashes().Contains(bad)), "a node served v6-bad");
        phase.Note = $"same refused config to all at once: sent to {sentTo.Count} of {Gateways.Length} nodes, refused by all "
            + $"({elapsed?.TotalSeconds:F1} s); staged: {_nodesSentBadWhenStaged} of {Gateways.Length}";
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
