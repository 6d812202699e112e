using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resilience.Yarp.Tests;

/// <summary>Real YARP on real Kestrel with real upstreams: what the data plane serves is what YARP routes with.</summary>
public sealed class GatewayTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Applied_config_routes_and_a_rejected_one_leaves_traffic_unchanged()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var b = await Upstream.StartAsync("upstream-b");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"));

        var applied = await gateway.ApplyAsync(ProxyConfigs.CatchAll(a.Url));
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/hello") == "upstream-a", "routing to A");
        var served = gateway.DataPlane.Current!.Hash;

        // YARP tells its listeners after it routes with a configuration (on a pool thread): wait for that before the
        // rejected apply, whose check below is that the revision did not move.
        var revision = gateway.Services.GetRequiredService<AppliedProxyRevision>();
        await Eventually.HoldsAsync(() => Task.FromResult(revision.Current == served), "YARP reporting the applied revision");

        // YARP's own validator refuses the path; our check refuses the unknown cluster. Both errors come back.
        var rejected = await gateway.ApplyAsync($$"""
            { "Routes": { "bad": { "ClusterId": "c", "Match": { "Path": "/{oops" } }, "lost": { "ClusterId": "nope", "Match": { "Path": "/x" } } },
              "Clusters": { "c": { "Destinations": { "d": { "Address": "{{b.Url}}" } } } } }
            """);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, rejected.StatusCode);
        var errors = JsonSerializer.Deserialize<string[]>(await rejected.Content.ReadAsStringAsync())!;
        Assert.Contains(errors, e => e.Contains("route 'bad'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("unknown cluster 'nope'", StringComparison.Ordinal));

        Assert.Equal(served, gateway.DataPlane.Current!.Hash);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("upstream-a", await gateway.GetAsync($"/still/{i}"));
        }

        Assert.Equal(served, revision.Current);
    }

    [Fact]
    public async Task YARPs_string_enums_route_as_documented()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var b = await Upstream.StartAsync("upstream-b");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"));

        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.HeaderRouted(a.Url, b.Url))).StatusCode);

        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/x", header: "b") == "upstream-b", "the ExactHeader route to B");
        Assert.Equal("upstream-b", await gateway.GetAsync("/y", header: "B")); // IsCaseSensitive: false
        Assert.Equal("upstream-a", await gateway.GetAsync("/y", header: "c"));
        Assert.Equal("upstream-a", await gateway.GetAsync("/y"));
    }

    [Fact]
    public async Task Liveness_never_fails_for_want_of_a_config_and_readiness_follows_what_YARP_routes_with_in_each_state()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var b = await Upstream.StartAsync("upstream-b");
        var yaml = _dir.File("fallback.yaml");
        var data = _dir.File("data");

        // Nothing anywhere: start-up walks the chain and ends serving nothing. Alive, not ready.
        await using (var empty = await Gateway.StartAsync(_dir.File("empty")))
        {
            await Eventually.HoldsAsync(() => Task.FromResult(empty.DataPlane.State.StartupCompleted), "start-up to finish");
            Assert.Equal(ConfigOrigin.None, empty.DataPlane.State.ServingTier);
            Assert.Equal(HttpStatusCode.OK, (await empty.Client.GetAsync(empty.Url + "/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await empty.Client.GetAsync(empty.Url + "/healthz/ready")).StatusCode);
            Assert.Equal("empty", empty.Services.GetRequiredService<AppliedProxyRevision>().Current);
        }

        // Declarative YAML in YARP's shape, then a manual apply: ready once YARP routes with each.
        await File.WriteAllTextAsync(yaml, $"Routes:\n  all:\n    ClusterId: c\n    Match: {{ Path: \"{{**rest}}\" }}\nClusters:\n  c:\n    Destinations:\n      d1: {{ Address: \"{a.Url}\" }}\n");
        await using (var gateway = await Gateway.StartAsync(data, yaml))
        {
            await Eventually.HoldsAsync(async () => (await gateway.Client.GetAsync(gateway.Url + "/healthz/ready")).IsSuccessStatusCode, "ready on the YAML");
            Assert.Equal(ConfigOrigin.Declarative, gateway.DataPlane.State.ServingTier);
            Assert.Equal("upstream-a", await gateway.GetAsync("/from-yaml"));

            Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(b.Url))).StatusCode);
            await Eventually.HoldsAsync(async () => (await gateway.Client.GetAsync(gateway.Url + "/healthz/ready")).IsSuccessStatusCode && await gateway.GetAsync("/manual") == "upstream-b", "ready on the manual config");
            Assert.Equal(ConfigOrigin.Manual, gateway.DataPlane.State.ServingTier);
            Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync(gateway.Url + "/healthz")).StatusCode);
        }

        // Restart on the same data directory: serving from the cache, ready, routing to B.
        await using (var restarted = await Gateway.StartAsync(data, yaml))
        {
            await Eventually.HoldsAsync(async () => (await restarted.Client.GetAsync(restarted.Url + "/healthz/ready")).IsSuccessStatusCode, "ready on the cache");
            Assert.Equal(ConfigOrigin.Cache, restarted.DataPlane.State.ServingTier);
            Assert.Equal("upstream-b", await restarted.GetAsync("/from-cache"));
            Assert.Equal(HttpStatusCode.OK, (await restarted.Client.GetAsync(restarted.Url + "/healthz")).StatusCode);
        }
    }

    [Fact]
    public async Task Readiness_waits_until_YARP_has_applied_the_served_revision()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"));
        var check = ActivatorUtilities.CreateInstance<DataPlaneRoutingHealthCheck>(gateway.Services);
        var context = new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext
        {
            Registration = new("t", check, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, null),
        };

        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(a.Url))).StatusCode);
        await Eventually.HoldsAsync(async () => (await check.CheckHealthAsync(context)).Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, "healthy");

        // The revision YARP last applied no longer matches what is served (as in the moment after a swap): not ready.
        gateway.Services.GetRequiredService<AppliedProxyRevision>().Set("some-older-hash");
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, (await check.CheckHealthAsync(context)).Status);
    }

    [Fact]
    public async Task Admin_endpoints_refuse_callers_without_the_policy_and_the_config_stays()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var b = await Upstream.StartAsync("upstream-b");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"));
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(a.Url))).StatusCode);
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/x") == "upstream-a", "routing to A");
        var served = gateway.DataPlane.Current!.Hash;

        var anonymousApply = await gateway.ApplyAsync(ProxyConfigs.CatchAll(b.Url), gateway.Client);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousApply.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Client.GetAsync(gateway.Url + "/resilience/state")).StatusCode);
        Assert.Equal(served, gateway.DataPlane.Current!.Hash);
        Assert.Equal("upstream-a", await gateway.GetAsync("/x"));

        // YARP routes with new endpoints before it tells its listeners the config is applied: the revision follows.
        await Eventually.HoldsAsync(() => Task.FromResult(gateway.Services.GetRequiredService<AppliedProxyRevision>().Current == served), "the applied revision following YARP");
        var state = JsonDocument.Parse(await gateway.Operator.GetStringAsync(gateway.Url + "/resilience/state")).RootElement;
        Assert.Equal(served, state.GetProperty("hash").GetString());
        Assert.Equal(served, state.GetProperty("proxyRevision").GetString());
        Assert.Equal(1, state.GetProperty("routeCount").GetInt32());
        Assert.Equal("Manual", state.GetProperty("servingTier").GetString());
    }

    [Fact]
    public async Task Mapping_the_admin_endpoints_without_the_policy_fails_at_start()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Gateway.StartAsync(_dir.File("data"), withAdminPolicy: false));
        Assert.Contains("DataPlaneAdmin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_proxied_request_is_recorded_once_with_route_and_cluster_ids()
    {
        var recorder = new CollectingUsageRecorder();
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"), configureServices: s => s.AddSingleton<IUsageRecorder>(recorder));
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(a.Url, routeId: "counted"))).StatusCode);
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/warm-up") == "upstream-a", "routing to A");

        // A request is recorded when the proxy pipeline returns, which can be just after the client has the whole
        // response: wait for the warm-up's record before clearing, and for the ten before counting them.
        await Eventually.HoldsAsync(() => Task.FromResult(recorder.Snapshot().Length == 1), "the warm-up request recorded");
        recorder.Clear();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("upstream-a", await gateway.GetAsync($"/n/{i}"));
        }

        await gateway.Client.GetAsync(gateway.Url + "/healthz"); // not proxied: not recorded
        await Eventually.HoldsAsync(() => Task.FromResult(recorder.Snapshot().Length >= 10), "the ten proxied requests recorded");
        var records = recorder.Snapshot();
        Assert.Equal(10, records.Length);
        Assert.All(records, r =>
        {
            Assert.Equal("counted", r.Route);
            Assert.Equal("c", r.Service);
            Assert.Equal(200, r.StatusCode);
            Assert.Equal("upstream-a".Length, r.ResponseBytes);
        });
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A recorder that keeps every record (test double of the telemetry buffer, for counting).</summary>
    private sealed class CollectingUsageRecorder : IUsageRecorder
    {
        private readonly List<UsageRecord> _records = [];

        public void Record(in UsageRecord record)
        {
            lock (_records)
            {
                _records.Add(record);
            }
        }

        public void Clear()
        {
            lock (_records)
            {
                _records.Clear();
            }
        }

        public UsageRecord[] Snapshot()
        {
            lock (_records)
            {
                return [.. _records];
            }
        }
    }
}
