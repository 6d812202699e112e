namespace Resilience.Samples.Demo;

/// <summary>The phases, in the reference's order. Each one drives real traffic and checks what every node serves.</summary>
internal sealed partial class OutageScenario
{
    private const string ControlPlaneTier = "ControlPlane";
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan OutageBurstInterval = TimeSpan.FromMilliseconds(800);

    private async Task PushAsync(Phase phase, CancellationToken ct)
    {
        var v1 = await WriteControlPlaneFileAsync("v1", ct);
        phase.Expect(await Poll.UntilAsync(async () => await ControlPlane.PublishedHashAsync(_client, ct) == v1, ConvergeTimeout, ct), "the control plane did not publish v1 from its watched file");

        A.Start();
        await A.WaitForStartupAsync(_client, StartTimeout, ct);
        phase.Expect(await ServesAsync(A, ControlPlaneTier, v1, ConvergeTimeout, ct), "A does not serve v1 from the control plane");
        await SendAsync(phase, [A], "v1", ct);

        phase.Expect(await Poll.UntilAsync(() => Task.FromResult(A.HasExported(v1)), ExportTimeout, ct), "A (export on) did not export v1 to the fallback store");
        phase.Expect(await InRegistryAsync([A], v1, ct), "the control plane's registry does not show A in sync on v1");
    }

    private async Task ControlPlaneDownAsync(Phase phase, CancellationToken ct)
    {
        var v1 = HashOf("v1");
        ControlPlane.Kill();
        phase.Expect(await Poll.UntilAsync(async () => (await A.StateAsync(_client, ct))?.Link != "Connected", ConvergeTimeout, ct), "A did not notice that the control plane is gone");

        // Traffic spread over more than a heartbeat timeout and several failed reconnects: none of it may be disturbed.
        for (var burst = 0; burst < 5; burst++)
        {
            await Task.Delay(OutageBurstInterval, ct);
            phase.Count(await Traffic.SendAsync(_client, [A], RequestsPerPhase / 5, ct), r => r.Version == "v1");
        }

        phase.Expect(await ServesAsync(A, ControlPlaneTier, v1, TimeSpan.Zero, ct), "A changed what it serves during the outage");
    }

    private async Task RestartWhileControlPlaneDownAsync(Phase phase, CancellationToken ct)
    {
        A.Kill();
        A.Start();
        var state = await A.WaitForStartupAsync(_client, StartTimeout, ct);
        phase.Expect(state.ServingTier == "Cache" && state.Hash == HashOf("v1"), $"restarted A serves {state.ServingTier}/{Label(state.Hash)}, expected Cache/v1");
        await SendAsync(phase, [A], "v1", ct);
    }

    private async Task NewNodeFromStoreAsync(Phase phase, CancellationToken ct)
    {
        B.Start();
        var state = await B.WaitForStartupAsync(_client, StartTimeout, ct);
        phase.Expect(state.ServingTier == "FallbackStore" && state.Hash == HashOf("v1"), $"new node B serves {state.ServingTier}/{Label(state.Hash)}, expected FallbackStore/v1");
        await SendAsync(phase, [A, B], "v1", ct);
    }

    private async Task NewNodeFromYamlAsync(Phase phase, CancellationToken ct)
    {
        C.Start();
        var state = await C.WaitForStartupAsync(_client, StartTimeout, ct);
        phase.Expect(state.ServingTier == "Declarative", $"new node C serves {state.ServingTier}, expected Declarative (its store location {_emptyStorage} is empty)");
        if (state.Hash is { } yamlHash)
        {
            _versionByHash[yamlHash] = GatewayConfigs.DeclarativeVersion;
        }

        var responses = await Traffic.SendAsync(_client, [A, B, C], RequestsPerPhase, ct);
        phase.Count(responses, r => r.Version == (r.Node == C ? GatewayConfigs.DeclarativeVersion : "v1"));
    }

    private async Task ControlPlaneBackAsync(Phase phase, CancellationToken ct)
    {
        // Edited while the control plane is down: only the latest may ever reach a node.
        var skipped = new[] { await WriteControlPlaneFileAsync("v2", ct), await WriteControlPlaneFileAsync("v3", ct) };
        var v4 = await WriteControlPlaneFileAsync("v4", ct);
        var before = Gateways.ToDictionary(n => n, n => n == C ? GatewayConfigs.DeclarativeVersion : "v1");

        ControlPlane.Start();
        await ControlPlane.WaitUntilListeningAsync(_client, StartTimeout, ct);
        phase.Expect(await Poll.UntilAsync(async () => await ControlPlane.PublishedHashAsync(_client, ct) == v4, ConvergeTimeout, ct), "the restarted control plane does not publish v4");
        await ConvergeAsync(phase, before, "v4", ct);

        foreach (var node in Gateways)
        {
            var served = node.ServedHashes();
            phase.Expect(!served.Intersect(skipped).Any(), $"{node.Name} applied v2 or v3: {string.Join(" -> ", served.Select(Label))}");
            phase.Expect(served.Count > 0 && served[^1] == v4 && served.SkipWhile(h => h != v4).All(h => h == v4), $"{node.Name} did not end on v4: {string.Join(" -> ", served.Select(Label))}");
        }

        phase.Expect(await InRegistryAsync(Gateways, v4, ct), "the control plane's registry does not show A, B and C in sync on v4");
        phase.Expect(await Poll.UntilAsync(() => Task.FromResult(A.HasExported(v4)), ExportTimeout, ct), "A did not export v4 to the fallback store");
    }

    private async Task LiveEditAsync(Phase phase, CancellationToken ct)
    {
        // YAML this time: the control plane converts it, so its hash is learnt from the control plane.
        var v4 = HashOf("v4");
        await ReplaceControlPlaneFileAsync(GatewayConfigs.Yaml("v5", _upstreamUrl), ct);
        string? published = null;
        if (!await Poll.UntilAsync(async () => (published = await ControlPlane.PublishedHashAsync(_client, ct)) is { } hash && hash != v4, ConvergeTimeout, ct))
        {
            phase.Expect(false, "the control plane did not publish the YAML edit");
            return;
        }

        var v5 = published!;
        _versionByHash[v5] = "v5";
        await ConvergeAsync(phase, Gateways.ToDictionary(n => n, _ => "v4"), "v5", ct);
        phase.Expect(await InRegistryAsync(Gateways, v5, ct), "the control plane's registry does not show A, B and C in sync on v5");
    }

    /// <summary>
    /// Sends traffic through every node until all serve <paramref name="target"/> from the control plane, then a last
    /// burst. A request is ok when it succeeded with the node's previous config before the node switched, and with the
    /// target after: a node that goes back to an older config after the new one fails the phase.
    /// </summary>
    private async Task ConvergeAsync(Phase phase, IReadOnlyDictionary<GatewayNode, string> before, string target, CancellationToken ct)
    {
        var targetHash = HashOf(target);
        var responses = new List<ProxiedResponse>();
        var converged = await Poll.UntilAsync(
            async () =>
            {
                responses.AddRange(await Traffic.SendAsync(_client, Gateways, 15, ct));
                foreach (var node in Gateways)
                {
                    if (await node.StateAsync(_client, ct) is not { ServingTier: ControlPlaneTier, IsRouting: true } state || state.Hash != targetHash)
                    {
                        return false;
                    }
                }

                return true;
            },
            ConvergeTimeout,
            ct);
        phase.Expect(converged, $"not every node serves {target} from the control plane within {ConvergeTimeout.TotalSeconds:F0} s");
        responses.AddRange(await Traffic.SendAsync(_client, Gateways, 30, ct));

        var switched = new HashSet<GatewayNode>();
        phase.Count(responses, r =>
        {
            if (r.Version == target)
            {
                switched.Add(r.Node);
                return true;
            }

            return !switched.Contains(r.Node) && r.Version == before[r.Node];
        });
    }

    /// <summary>Sends a phase's traffic through the nodes; ok means routed by <paramref name="version"/>.</summary>
    private async Task SendAsync(Phase phase, GatewayNode[] nodes, string version, CancellationToken ct) =>
        phase.Count(await Traffic.SendAsync(_client, nodes, RequestsPerPhase, ct), r => r.Version == version);

    private async Task<bool> ServesAsync(GatewayNode node, string tier, string hash, TimeSpan timeout, CancellationToken ct) =>
        await Poll.UntilAsync(async () => await node.StateAsync(_client, ct) is { } state && state.ServingTier == tier && state.Hash == hash && state.IsRouting, timeout, ct);

    private async Task<bool> InRegistryAsync(GatewayNode[] nodes, string hash, CancellationToken ct)
    {
        var ids = nodes.Select(n => $"gateway-{n.Name.ToLowerInvariant()}").ToHashSet(StringComparer.Ordinal);
        return await Poll.UntilAsync(
            async () => (await ControlPlane.NodesAsync(_client, ct)).Count(n => ids.Contains(n.NodeId) && n.IsConnected && n.ConfigHash == hash && n.SyncStatus == "InSync") == ids.Count,
            ConvergeTimeout,
            ct);
    }

    private string HashOf(string version) => _versionByHash.Single(p => p.Value == version).Key;
}
