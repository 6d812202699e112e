using System.Diagnostics;

namespace Resilience.Samples.Demo;

/// <summary>
/// The staged-rollout phases: a bad configuration reaches the canary wave only and is rolled back; a good one goes out
/// in two waves; and, for comparison in the same run, the same bad configuration given to every node at once.
/// </summary>
internal sealed partial class OutageScenario
{
    private static readonly TimeSpan RolloutTimeout = TimeSpan.FromSeconds(40);

    /// <summary>The canary wave (A, labelled <c>ring=canary</c>) bakes 5 s; the gate fails when A's failed-request share rises 5 points over 10 requests.</summary>
    private const string TwoWavePlan = """
        {
          "Waves": [
            { "Name": "canary", "Labels": { "ring": "canary" }, "BakeTime": "00:00:05",
              "Gates": { "ApplyTimeout": "00:00:10", "MinRequests": 10, "MaxFailedRequestShareIncrease": 0.05 } },
            { "Name": "everyone else", "EveryoneElse": true, "BakeTime": "00:00:02", "Gates": { "ApplyTimeout": "00:00:10" } }
          ]
        }
        """;

    private int _failedInStagedBadRollout = -1;

    /// <summary>
    /// The rollout phases. They need the nodes' health in heartbeats and their self-revert (the history/bake work the
    /// rollout's gates read); until the gateways report them, a staged bad configuration cannot be told from a good one.
    /// </summary>
    private (string Title, Func<Phase, CancellationToken, Task> Run)[] RolloutPhases => [];

    /// <summary>The rollout phases, once the gateways report health: see <see cref="RolloutPhases"/>.</summary>
    private (string Title, Func<Phase, CancellationToken, Task> Run)[] StagedRolloutPhases =>
    [
        ("h. bad config (dead upstream) staged, canary wave = A: rolled back, B and C never serve it", BadRolloutAsync),
        ("i. good config v7 staged in two waves: A first, then B and C", GoodRolloutAsync),
        ("j. for comparison: the same bad config to every node at once", BadToEveryoneAsync),
    ];

    private async Task BadRolloutAsync(Phase phase, CancellationToken ct)
    {
        var v5 = HashOf("v5");
        await File.WriteAllTextAsync(_rolloutPlanFile, TwoWavePlan, ct);
        var bad = await WriteControlPlaneFileAsync("v6-bad", ct, _deadUpstreamUrl);
        var (responses, elapsed) = await TrafficUntilAsync(
            async () => await ControlPlane.RolloutAsync(_client, ct) is { Phase: "RolledBack" } rollout && rollout.ConfigHash == bad
                && await A.StateAsync(_client, ct) is { IsRouting: true } a && a.Hash == v5,
            ct);
        phase.Expect(elapsed is not null, $"the bad rollout did not end rolled back with A on v5 again within {RolloutTimeout.TotalSeconds:F0} s");

        // B and C keep answering with v5 the whole time; A answers with v5, or fails while it serves the bad config.
        phase.Count(responses, r => r.Node == A ? r.Version == "v5" || !r.Succeeded : r.Version == "v5");
        var servedBad = Gateways.Where(n => n.ServedHashes().Contains(bad)).Select(n => n.Name).ToArray();
        phase.Expect(servedBad.SequenceEqual(["A"]), $"the bad config was served by [{string.Join(", ", servedBad)}]: only the canary wave (A) may serve it");
        phase.Expect(!A.HasExported(bad), "A (the backup node) exported the bad candidate to the fallback store");
        phase.Expect(await InRegistryAsync(Gateways, v5, ct), "the control plane's registry does not show A, B and C in sync on v5");

        var rollout = await ControlPlane.RolloutAsync(_client, ct);
        var canary = rollout?.Waves[0].Nodes.SingleOrDefault(n => n.NodeId == "gateway-a");
        var rollback = canary?.AppliedAt is { } applied && rollout!.EndedAt is { } ended ? ended - applied : (TimeSpan?)null;
        _failedInStagedBadRollout = responses.Count(r => !r.Succeeded);
        phase.Note = $"bad rollout: served by {string.Join(", ", servedBad)} ({servedBad.Length} of {Gateways.Length} nodes); "
            + $"{_failedInStagedBadRollout} of {responses.Count} requests failed ({responses.Count(r => !r.Succeeded && r.Node != A)} outside A); "
            + $"rollback complete {(rollback is { } t ? $"{t.TotalSeconds:F1} s" : "?")} after A applied it; reason: {rollout?.Reason}";
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

    private async Task BadToEveryoneAsync(Phase phase, CancellationToken ct)
    {
        File.Delete(_rolloutPlanFile);
        var v7 = HashOf("v7");
        var bad = HashOf("v6-bad");
        await ReplaceControlPlaneFileAsync(GatewayConfigs.Json("v6-bad", _deadUpstreamUrl), ct);
        var (responses, elapsed) = await TrafficUntilAsync(
            async () =>
            {
                var states = await Task.WhenAll(Gateways.Select(n => n.StateAsync(_client, ct)));
                return Gateways.All(n => n.ServedHashes().Contains(bad)) && states.All(s => s is { IsRouting: true } && s.Hash == v7);
            },
            ct);
        phase.Expect(elapsed is not null, $"the nodes did not all serve the bad config and go back to v7 by themselves within {RolloutTimeout.TotalSeconds:F0} s");

        // Every node serves it this time: each answers with v7, or fails while it serves the bad config.
        phase.Count(responses, r => r.Version == "v7" || !r.Succeeded);
        var failed = responses.Count(r => !r.Succeeded);
        var ratio = failed > 0 && _failedInStagedBadRollout >= 0 ? $"{(double)_failedInStagedBadRollout / failed:F2}" : "?";
        phase.Note = $"same bad config to all: served by {Gateways.Count(n => n.ServedHashes().Contains(bad))} of {Gateways.Length} nodes; "
            + $"{failed} of {responses.Count} requests failed until every node reverted ({elapsed?.TotalSeconds:F1} s); staged/all = {ratio}";
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
