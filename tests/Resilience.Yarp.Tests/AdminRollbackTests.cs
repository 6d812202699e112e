using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Resilience.ControlPlane;

namespace Resilience.Yarp.Tests;

/// <summary>
/// An operator's rollback through <c>MapDataPlaneAdmin()</c> on a real gateway whose real control plane is down, then a
/// restart of the gateway, then a control plane that comes back with the configuration rolled back from and then a new one.
/// </summary>
public sealed class AdminRollbackTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task A_rollback_through_the_admin_endpoint_while_the_control_plane_is_down_survives_a_restart_until_the_next_push()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var b = await Upstream.StartAsync("upstream-b");
        var data = _dir.File("data");
        string yesterday, today;
        await using (var first = await ControlPlane.StartAsync())
        {
            await using var gateway = await StartGatewayAsync(data, first);
            yesterday = (await first.PublishAsync(ProxyConfigs.CatchAll(a.Url))).Hash;
            await Eventually.HoldsAsync(async () => await gateway.GetAsync("/x") == "upstream-a", "the first config routing to A");
            today = (await first.PublishAsync(ProxyConfigs.CatchAll(b.Url))).Hash;
            await Eventually.HoldsAsync(async () => await gateway.GetAsync("/x") == "upstream-b", "the second config routing to B");

            // 3 a.m.: the control plane is down and today's config is wrong.
            await first.DisposeAsync();
            using (var anonymous = await gateway.Client.GetAsync(gateway.Url + "/resilience/history"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }

            using var history = JsonDocument.Parse(await gateway.Operator.GetStringAsync(gateway.Url + "/resilience/history"));
            var entries = history.RootElement.EnumerateArray().ToArray();
            Assert.Equal([today, yesterday], entries.Take(2).Select(e => e.GetProperty("hash").GetString()));
            Assert.Equal(("Serving", "ControlPlane"), (entries[0].GetProperty("end").GetString(), entries[0].GetProperty("origin").GetString()));

            using (var anonymous = await gateway.Client.PostAsync(gateway.Url + $"/resilience/rollback/{yesterday}", null))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
                Assert.Equal("upstream-b", await gateway.GetAsync("/x"));
            }

            using (var unknown = await gateway.Operator.PostAsync(gateway.Url + $"/resilience/rollback/{new string('0', 64)}", null))
            {
                Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
                Assert.Contains("NotInHistory", await unknown.Content.ReadAsStringAsync());
            }

            using var rollback = await gateway.Operator.PostAsync(gateway.Url + $"/resilience/rollback/{yesterday}?reason=paged", null);
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
            await Eventually.HoldsAsync(async () => await gateway.GetAsync("/x") == "upstream-a", "the rollback routing to A again");
            Assert.Equal((ConfigOrigin.Rollback, yesterday), (gateway.DataPlane.Current!.Origin, gateway.DataPlane.Current.Hash));
            Assert.Equal((today, "admin:ops", "paged"), (gateway.DataPlane.State.Rollback!.FromHash, gateway.DataPlane.State.Rollback.Actor, gateway.DataPlane.State.Rollback.Reason));
            using var state = JsonDocument.Parse(await gateway.Operator.GetStringAsync(gateway.Url + "/resilience/state"));
            Assert.Equal(today, state.RootElement.GetProperty("rolledBackFrom").GetString());
        }

        // The gateway restarts; a control plane comes back still holding today's config: the node keeps yesterday's and
        // tells it, and the control plane does not push today's to it.
        await using var second = await ControlPlane.StartAsync();
        Assert.Equal(today, (await second.PublishAsync(ProxyConfigs.CatchAll(b.Url))).Hash);
        await using (var restarted = await StartGatewayAsync(data, second))
        {
            Assert.Equal("upstream-a", await restarted.GetAsync("/x"));
            Assert.Equal(yesterday, restarted.DataPlane.Current!.Hash);
            await Eventually.HoldsAsync(() => Task.FromResult(second.Registry.Find("gw")?.LastRollback is { Kind: DataPlaneRollbackKind.RolledBack, Actor: "admin:ops" } r && r.FromHash == today), "the control plane hearing of the rollback");
            Assert.Equal(DataPlaneSyncStatus.RolledBack, second.Registry.Find("gw")!.SyncStatus);
            // Once it has heard, the control plane does not push today's again: the node applies nothing more (a push that
            // crossed the node's report on connect is refused by the node and is not an apply error on the control plane).
            var heardAt = second.Registry.Find("gw")!.LastSeen;
            await Eventually.HoldsAsync(() => Task.FromResult(second.Registry.Find("gw")!.LastSeen > heardAt + TimeSpan.FromSeconds(0.5)), "a heartbeat after the report (a push that crossed it is answered by then)");
            using var sent = second.CountConfigsSent();
            heardAt = second.Registry.Find("gw")!.LastSeen;
            await Eventually.HoldsAsync(() => Task.FromResult(second.Registry.Find("gw")!.LastSeen > heardAt + TimeSpan.FromSeconds(2)), "more heartbeats");
            Assert.Empty(sent.GetMeasurementSnapshot());
            Assert.Equal("upstream-a", await restarted.GetAsync("/x"));
            Assert.Equal(yesterday, second.Registry.Find("gw")!.ConfigHash);
            Assert.Null(second.Registry.Find("gw")!.LastApplyError);

            // The control plane's next configuration ends the rollback.
            var fixedConfig = await second.PublishAsync(ProxyConfigs.CatchAll(b.Url, routeId: "fixed"));
            await Eventually.HoldsAsync(() => Task.FromResult(restarted.DataPlane.Current?.Hash == fixedConfig.Hash), "the next push served");
            Assert.Equal("upstream-b", await restarted.GetAsync("/x"));
            Assert.Null(restarted.DataPlane.State.Rollback);
            await Eventually.HoldsAsync(() => Task.FromResult(second.Registry.Find("gw")!.SyncStatus == DataPlaneSyncStatus.InSync), "the registry in sync");
        }
    }

    public void Dispose() => _dir.Dispose();

    private static Task<Gateway> StartGatewayAsync(string data, ControlPlane controlPlane) =>
        Gateway.StartAsync(data, configureServices: s => s.Configure<DataPlaneResilienceOptions>(o => o.NodeId = "gw"), resilience: controlPlane.Link);
}
