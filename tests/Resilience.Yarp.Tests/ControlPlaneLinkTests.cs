using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Yarp.Tests;

/// <summary>
/// Publishing through the real link: a real control plane (Kestrel, mutual TLS, certificates generated here) pushes to
/// a gateway that uses <c>UseWebSocketClusterLink</c> and <c>LoadFromDataPlane</c>, and YARP routes to real upstreams.
/// </summary>
public sealed class ControlPlaneLinkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_config_published_by_the_control_plane_is_what_YARP_routes_with()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var b = await Upstream.StartAsync("upstream-b");
        await using var controlPlane = await ControlPlane.StartAsync();
        await using var gateway = await Gateway.StartAsync(_dir.File("data"), resilience: controlPlane.Link);
        var applied = gateway.Services.GetRequiredService<AppliedProxyRevision>();

        var first = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(a.Url));
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/one") == "upstream-a", "YARP routing the first published config to A");
        Assert.Equal(first.Hash, gateway.DataPlane.Current!.Hash);
        Assert.Equal(ConfigOrigin.ControlPlane, gateway.DataPlane.Current.Origin);

        // YARP routes with new endpoints before it tells its listeners the config is applied: the revision follows.
        await Eventually.HoldsAsync(() => Task.FromResult(applied.Current == first.Hash), "the applied revision following YARP to the first config");

        // The second publish is swapped in under load: requests without the header go to A before and after it.
        await using var load = Load.Start(gateway, workers: 3, expected: "upstream-a");
        await load.UntilAsync(30);
        var second = await controlPlane.PublishAsync(ProxyConfigs.HeaderRouted(a.Url, b.Url));
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/two", header: "b") == "upstream-b", "YARP routing the second published config's header route to B");
        await load.UntilAsync(load.Ok + 30);
        var (ok, failures) = await load.StopAsync();
        Assert.True(failures.Count == 0, $"{failures.Count} of {ok + failures.Count} requests failed during the swap (first: {failures.FirstOrDefault()})");
        Assert.Equal("upstream-a", await gateway.GetAsync("/two"));
        await Eventually.HoldsAsync(() => Task.FromResult(applied.Current == second.Hash), "the applied revision following YARP to the second config");
        await Eventually.HoldsAsync(
            () => Task.FromResult(controlPlane.Registry.GetAll().SingleOrDefault() is { ConfigHash: var hash } && hash == second.Hash),
            "the control plane hearing that the gateway applied the second config");
    }

    [Fact]
    public async Task A_section_with_comments_and_trailing_commas_is_published_served_and_routed_as_written()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var controlPlane = await ControlPlane.StartAsync();
        await using var gateway = await Gateway.StartAsync(_dir.File("data"), resilience: controlPlane.Link);
        var text = $$"""
            {
              // Routes tell the proxy which requests to forward (YARP's own sample appsettings are written so)
              "Routes": { "all": { "ClusterId": "c", "Match": { "Path": "{**rest}", }, }, },
              "Clusters": { "c": { "Destinations": { "d1": { "Address": "{{a.Url}}" }, }, }, }, /* trailing commas */
            }
            """;

        var published = await controlPlane.PublishAsync(text);
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/commented") == "upstream-a", "YARP routing the commented config to A");

        // The bytes published are the bytes served, cached and hashed: comments and all.
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        Assert.Equal(ConfigHash.Compute(bytes), published.Hash);
        Assert.Equal(published.Hash, gateway.DataPlane.Current!.Hash);
        Assert.True(gateway.DataPlane.Current.Payload.Span.SequenceEqual(bytes));
    }

    [Fact]
    public async Task A_published_config_YARP_would_refuse_leaves_traffic_unchanged_under_load()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var b = await Upstream.StartAsync("upstream-b");
        await using var controlPlane = await ControlPlane.StartAsync();
        await using var gateway = await Gateway.StartAsync(_dir.File("data"), resilience: controlPlane.Link);
        var good = await controlPlane.PublishAsync(ProxyConfigs.Many(200, a.Url).Replace("{\"Routes\":{", "{\"Routes\":{\"all\":{\"ClusterId\":\"c0\",\"Order\":1000,\"Match\":{\"Path\":\"{**rest}\"}},", StringComparison.Ordinal));
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/r199/x") == "upstream-a", "routing the good config");

        await using var load = Load.Start(gateway, workers: 3, expected: "upstream-a");
        await load.UntilAsync(50);

        // One route of 201 edited so that YARP's own route validator refuses it (an unclosed path parameter), and every
        // route sent to B: were anything of it served, traffic would move to B.
        var bad = ProxyConfigs.Many(200, b.Url)
            .Replace("{\"Routes\":{", "{\"Routes\":{\"all\":{\"ClusterId\":\"c0\",\"Order\":1000,\"Match\":{\"Path\":\"{**rest}\"}},", StringComparison.Ordinal)
            .Replace("\"Path\":\"/r17/{**rest}\"", "\"Path\":\"/r17/{oops\"", StringComparison.Ordinal);
        var refused = await controlPlane.PublishAsync(bad);
        await Eventually.HoldsAsync(
            () => Task.FromResult(gateway.DataPlane.State.LastApplyResult is { Outcome: ApplyOutcome.Rejected, Origin: ConfigOrigin.ControlPlane } result && result.Hash == refused.Hash),
            "the gateway refusing the published config");
        var rejection = gateway.DataPlane.State.LastApplyResult!;
        Assert.Contains(rejection.Errors, e => e.StartsWith("route 'r17':", StringComparison.Ordinal));
        await Eventually.HoldsAsync(
            () => Task.FromResult(controlPlane.Registry.GetAll().SingleOrDefault()?.LastApplyError is { Length: > 0 }),
            "the control plane hearing of the refusal");

        await load.UntilAsync(load.Ok + 100);
        var (ok, failures) = await load.StopAsync();

        Assert.True(failures.Count == 0, $"{failures.Count} of {ok + failures.Count} requests failed or left A (first: {failures.FirstOrDefault()})");
        Assert.Equal(good.Hash, gateway.DataPlane.Current!.Hash);
        Assert.Equal(good.Hash, gateway.Services.GetRequiredService<AppliedProxyRevision>().Current);
        Assert.Equal("upstream-a", await gateway.GetAsync("/r17/x"));
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Request loops through the gateway that count answers other than the expected upstream's.</summary>
    private sealed class Load : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _failures = [];
        private Task[] _workers = [];
        private int _ok;

        public int Ok => Volatile.Read(ref _ok);

        public static Load Start(Gateway gateway, int workers, string expected)
        {
            var load = new Load();
            load._workers = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; !load._stop.IsCancellationRequested; i++)
                {
                    var body = await gateway.GetAsync($"/loop/{worker}/{i}");
                    if (body == expected)
                    {
                        Interlocked.Increment(ref load._ok);
                    }
                    else
                    {
                        lock (load._failures)
                        {
                            load._failures.Add(body);
                        }
                    }
                }
            })).ToArray();
            return load;
        }

        public Task UntilAsync(int ok) => Eventually.HoldsAsync(() => Task.FromResult(Ok >= ok), $"{ok} requests answered");

        public async Task<(int Ok, List<string> Failures)> StopAsync()
        {
            if (_stop.IsCancellationRequested)
            {
                return (Ok, _failures);
            }

            _stop.Cancel();
            await Task.WhenAll(_workers);
            return (Ok, _failures);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }
    }
}
