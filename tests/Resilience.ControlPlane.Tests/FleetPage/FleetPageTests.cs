using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Resilience.ControlPlane.Tests;

/// <summary>The fleet page: behind its policy, rendered on the server, refreshed by its script, checked in a real headless Chromium against the registry.</summary>
public sealed partial class FleetPageTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Canary = new() { ["ring"] = "canary" };

    [Fact]
    public async Task The_page_needs_its_policy_to_be_mapped_and_an_operator_to_be_seen()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => ControlPlaneServer.Create(Pki.ServerCertificate, Pki.Hub, services: s => s.AddAuthorization(), map: app => app.MapDataPlaneFleetPage()));
        Assert.Contains($"'{FleetPageDefaults.PolicyName}'", missing.Message, StringComparison.Ordinal);
        var named = Assert.Throws<InvalidOperationException>(() => ControlPlaneServer.Create(Pki.ServerCertificate, Pki.Hub, services: s => s.AddAuthorization(), map: app => app.MapDataPlaneFleetPage("/fleet", "NoSuchPolicy")));
        Assert.Contains("NoSuchPolicy", named.Message, StringComparison.Ordinal);

        await using var cp = await StartAsync(trustLoopback: false);
        using var http = new HttpClient { BaseAddress = cp.AdminEndpoint };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/fleet", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync(new Uri("/fleet/rollout/abort", UriKind.Relative), null)).StatusCode);

        http.DefaultRequestHeaders.Add("X-Operator", "alice");
        var page = await http.GetAsync(new Uri("/fleet", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("No rollout yet", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // An action without the action header (what a form on another site could send) is refused; with it, it is carried out.
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync(new Uri("/fleet/rollout/pause", UriKind.Relative), null)).StatusCode);
        using var pause = new HttpRequestMessage(HttpMethod.Post, "/fleet/rollout/pause");
        pause.Headers.Add(FleetPageDefaults.ActionHeader, "1");
        Assert.Equal(HttpStatusCode.Conflict, (await http.SendAsync(pause)).StatusCode);
    }

    [Fact]
    public async Task The_page_in_headless_Chromium_shows_every_node_and_the_running_rollout_as_the_registry_and_the_rollout_say()
    {
        await using var cp = await StartAsync(trustLoopback: true);
        var v1 = await cp.PublishAsync("""{"v":1}""");
        await using var canary = await ScriptedNode.ConnectAsync(cp.Endpoint, "canary-1", Canary);
        await using var a = await ScriptedNode.ConnectAsync(cp.Endpoint, "gateway-a");
        await using var b = await ScriptedNode.ConnectAsync(cp.Endpoint, "gateway-b");
        await Eventually.HoldsAsync(() => new[] { canary, a, b }.All(n => n.Serving == v1.Hash), "every node serves v1");
        var v2 = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", new RolloutPlan(RolloutWave.WithLabels(Canary, TimeSpan.FromMinutes(10)), RolloutWave.Rest(TimeSpan.FromMinutes(10))));
        var rollouts = cp.Services.GetRequiredService<IConfigRollouts>();
        await Eventually.HoldsAsync(() => rollouts.GetCurrentAsync().AsTask().GetAwaiter().GetResult()?.Waves[0].State == RolloutWaveState.Baking, "the canary wave bakes");

        var page = new Uri(cp.AdminEndpoint!, "/fleet");
        var dom = await HeadlessChromium.DumpDomAsync(page, TimeSpan.FromSeconds(5));
        var screenshot = Path.Combine(AppContext.BaseDirectory, "fleet-page.png");
        await HeadlessChromium.ScreenshotAsync(page, screenshot, TimeSpan.FromSeconds(3));
        output.WriteLine($"screenshot: {screenshot}");

        // The script replaced the server's first rendering with a fetched one (the stamp has no <time> element any more).
        var stamp = RefreshStamp().Match(dom);
        Assert.True(stamp.Success, "the page has its refresh stamp");
        Assert.StartsWith("updated ", stamp.Groups[1].Value, StringComparison.Ordinal);
        Assert.DoesNotContain("<time", stamp.Groups[1].Value, StringComparison.Ordinal);

        // Every node of the registry, with its hash, sync status and connection.
        foreach (var node in cp.Registry.GetAll())
        {
            var row = Regex.Match(dom, $"<tr data-node=\"{Regex.Escape(node.NodeId)}\" data-connected=\"(\\w+)\" data-hash=\"(\\w*)\" data-sync=\"(\\w+)\">");
            Assert.True(row.Success, $"row of {node.NodeId}");
            Assert.Equal(node.IsConnected ? "true" : "false", row.Groups[1].Value);
            Assert.Equal(node.ConfigHash, row.Groups[2].Value);
            Assert.Equal(node.SyncStatus.ToString(), row.Groups[3].Value);
        }

        Assert.Equal(3, NodeRow().Matches(dom).Count);
        Assert.Contains($"data-hash=\"{v2.Hash}\" data-sync=\"InSync\"", dom, StringComparison.Ordinal);

        // The rollout, its waves, gates and nodes as IConfigRollouts reports them.
        var status = (await rollouts.GetCurrentAsync())!;
        Assert.Contains($"data-rollout=\"{status.Id}\" data-phase=\"{status.Phase}\"", dom, StringComparison.Ordinal);
        foreach (var wave in status.Waves)
        {
            Assert.Contains($"data-wave=\"{wave.Index}\" data-state=\"{wave.State}\"", dom, StringComparison.Ordinal);
            foreach (var node in wave.Nodes)
            {
                Assert.Contains($"<li data-node=\"{node.NodeId}\" data-state=\"{node.State}\">", dom, StringComparison.Ordinal);
            }

            foreach (var gate in wave.Gates)
            {
                Assert.Contains($"<tr data-gate=\"{WebUtility.HtmlEncode(gate.Name)}\" data-state=\"{gate.State}\">", dom, StringComparison.Ordinal);
            }
        }

        Assert.Contains("<li data-node=\"canary-1\" data-state=\"Applied\">", dom, StringComparison.Ordinal);
        Assert.Contains("<li data-node=\"gateway-a\" data-state=\"Waiting\">", dom, StringComparison.Ordinal);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 10_000, $"a real screenshot ({png.Length} bytes)");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        // The JSON view says the same.
        using var http = new HttpClient { BaseAddress = cp.AdminEndpoint };
        var view = await http.GetFromJsonAsync<FleetView>("/fleet/data");
        Assert.Equal(v1.Hash, view!.StableHash);
        Assert.Equal(v2.Hash, view.LatestHash);
        Assert.Equal(status.Id, view.Rollout!.Id);
    }

    [Fact]
    public async Task The_page_in_headless_Chromium_shows_each_nodes_health_and_last_rollback_as_the_registry_has_them()
    {
        await using var cp = await StartAsync(trustLoopback: true);
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "gateway-a");
        var v1 = await cp.PublishAsync("""{"v":1}""");
        await Eventually.HoldsAsync(() => dp.Current?.Hash == v1.Hash, "the node serves v1");
        var v2 = await cp.PublishAsync("""{"v":2}""");
        await Eventually.HoldsAsync(() => dp.Current?.Hash == v2.Hash, "the node serves v2");
        for (var i = 0; i < 30; i++)
        {
            dp.Usage.Record(new UsageRecord("svc", "all", null, i % 3 == 0 ? 502 : 200, TimeSpan.FromMilliseconds(1), 0, 0));
        }

        var rollback = await cp.Services.GetRequiredService<IDataPlaneHub>().RollbackAsync("gateway-a", v1.Hash, "errors <b>after</b> v2", "admin:alice");
        Assert.Equal(DataPlaneRollbackStatus.RolledBack, rollback.Status);
        await Eventually.HoldsAsync(
            () => cp.Registry.Find("gateway-a") is { Health.TotalRequests: 30, LastRollback: not null },
            "the registry has the node's requests and its rollback");

        var dom = await HeadlessChromium.DumpDomAsync(new Uri(cp.AdminEndpoint!, "/fleet"), TimeSpan.FromSeconds(5));

        var node = cp.Registry.Find("gateway-a")!;
        var cell = HealthCell().Match(dom);
        Assert.True(cell.Success, "the node's health cell");
        Assert.Equal(
            ("true", "30", node.Health!.TotalFailedRequests.ToString(System.Globalization.CultureInfo.InvariantCulture), node.Health.Bake, "RolledBack", v2.Hash, "admin:alice"),
            (cell.Groups["ready"].Value, cell.Groups["requests"].Value, cell.Groups["failed"].Value, cell.Groups["bake"].Value, cell.Groups["kind"].Value, cell.Groups["from"].Value, cell.Groups["actor"].Value));
        Assert.Equal("10", cell.Groups["failed"].Value);
        Assert.Contains("10 of 30 failed (33.3 %) in all", cell.Groups["text"].Value, StringComparison.Ordinal);
        Assert.Contains($"rolled back <code>{v2.Hash[..12]}</code> → <code>{v1.Hash[..12]}</code> by admin:alice", cell.Groups["text"].Value, StringComparison.Ordinal);

        // The reason is the node's text, shown as text.
        Assert.Contains("errors &lt;b&gt;after&lt;/b&gt; v2", cell.Groups["text"].Value, StringComparison.Ordinal);
    }

    private static Task<ControlPlaneServer> StartAsync(bool trustLoopback) =>
        ControlPlaneServer.StartAsync(
            Pki.ServerCertificate,
            Pki.Hub,
            services: s =>
            {
                s.AddAuthentication(TestOperatorAuthentication.SchemeName)
                    .AddScheme<TestOperatorOptions, TestOperatorAuthentication>(TestOperatorAuthentication.SchemeName, o => o.TrustLoopback = trustLoopback);
                s.AddAuthorizationBuilder().AddPolicy(FleetPageDefaults.PolicyName, p => p.RequireAuthenticatedUser());
                s.Configure<RolloutOptions>(o => o.EvaluationInterval = TimeSpan.FromMilliseconds(50));
            },
            map: app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapDataPlaneFleetPage();
            });

    [GeneratedRegex("<span id=\"refresh\">(.*?)</span>")]
    private static partial Regex RefreshStamp();

    [GeneratedRegex("<td class=\"health\" data-ready=\"(?<ready>\\w+)\" data-requests=\"(?<requests>\\d+)\" data-failed=\"(?<failed>\\d+)\" data-bake=\"(?<bake>\\w*)\" data-last-rollback=\"(?<kind>\\w+)\" data-rollback-from=\"(?<from>\\w+)\" data-rollback-actor=\"(?<actor>[^\"]*)\">(?<text>.*?)</td>")]
    private static partial Regex HealthCell();

    [GeneratedRegex("<tr data-node=")]
    private static partial Regex NodeRow();
}
