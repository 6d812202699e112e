using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;

namespace Resilience.ControlPlane.Tests;

/// <summary>A node with several control-plane endpoints, over real Kestrel control planes with mutual TLS.</summary>
public sealed class EndpointFailoverTests(ITestOutputHelper output)
{
    private static string Config(int version) => $$"""{"version":{{version}},"routes":[{"path":"/cp{{version}}"}]}""";

    [Fact]
    public async Task Node_connects_to_the_first_then_moves_down_the_list_within_one_reconnect_round_when_control_planes_stop()
    {
        await using var cp1 = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var cp2 = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var cp3 = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var first = await cp1.PublishAsync(Config(1));
        var second = await cp2.PublishAsync(Config(2));
        var third = await cp3.PublishAsync(Config(3));

        // The reference's reconnect timing (5-10 s between rounds), not the fast test timing.
        await using var dp = await DataPlaneNode.StartAsync(
            Endpoints(o =>
            {
                o.ReconnectDelayMin = TimeSpan.FromSeconds(5);
                o.ReconnectDelayMax = TimeSpan.FromSeconds(10);
            }, cp1.Endpoint, cp2.Endpoint, cp3.Endpoint),
            nodeId: "failover-dp",
            services: s => s.AddHealthChecks().AddDataPlaneCheck());
        using var attempts = new MetricCollector<long>(dp.Services.GetRequiredService<IMeterFactory>(), "Resilience.DataPlane", "resilience.link.connect_attempts");
        using var connected = new MetricCollector<int>(dp.Services.GetRequiredService<IMeterFactory>(), "Resilience.DataPlane", "resilience.link.connected_endpoint");
        await Eventually.HoldsAsync(() => dp.Current?.Hash == first.Hash && dp.State.Link.Endpoint == cp1.Endpoint, "the node serves what the first control plane serves");
        Assert.True(cp1.Registry.Find("failover-dp")?.IsConnected);
        Assert.Null(cp2.Registry.Find("failover-dp"));

        // The first stops: one round from it (refused) to the second, after one 5-10 s delay.
        var failover = Stopwatch.StartNew();
        await cp1.StopAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => dp.Current?.Hash == second.Hash && dp.State.Link is { Status: ClusterLinkStatus.Connected } link && link.Endpoint == cp2.Endpoint, "the node serves what the second control plane serves", TimeSpan.FromSeconds(40));
        output.WriteLine($"cp1 -> cp2 in {failover.ElapsedMilliseconds} ms (reconnect delay 5-10 s)");
        await Eventually.HoldsAsync(() => cp2.Registry.Find("failover-dp") is { IsConnected: true, SyncStatus: DataPlaneSyncStatus.InSync }, "the second control plane's registry shows the node in sync");
        Assert.Equal(1, Count(attempts, cp1.Endpoint, "failure"));
        Assert.Equal(1, Count(attempts, cp2.Endpoint, "success"));
        Assert.Equal(0, Count(attempts, cp3.Endpoint, "failure") + Count(attempts, cp3.Endpoint, "success"));

        var report = await dp.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(Tag(cp2.Endpoint), report.Entries["data-plane"].Data["link_endpoint"]);
        connected.RecordObservableInstruments();
        Assert.Equal(Tag(cp2.Endpoint), connected.LastMeasurement?.Tags["endpoint"]);

        // The second stops too: the round starts from it and goes on to the third.
        failover.Restart();
        await cp2.StopAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => dp.Current?.Hash == third.Hash && dp.State.Link is { Status: ClusterLinkStatus.Connected } link && link.Endpoint == cp3.Endpoint, "the node serves what the third control plane serves", TimeSpan.FromSeconds(40));
        output.WriteLine($"cp2 -> cp3 in {failover.ElapsedMilliseconds} ms");
        Assert.Equal(1, Count(attempts, cp1.Endpoint, "failure"));
        Assert.Equal(1, Count(attempts, cp2.Endpoint, "failure"));
        Assert.Equal(1, Count(attempts, cp3.Endpoint, "success"));
        Assert.Equal([Config(1), Config(2), Config(3)], dp.Validated.ToArray());
    }

    [Fact]
    public async Task First_listed_endpoint_unreachable_at_start_the_node_uses_the_second()
    {
        var closed = new Uri($"wss://localhost:{ClosedPort()}{ControlPlaneServer.Path}");
        await using var cp2 = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var served = await cp2.PublishAsync(Config(2));

        await using var dp = await DataPlaneNode.StartAsync(Endpoints(_ => { }, closed, cp2.Endpoint), nodeId: "second-dp");

        await Eventually.HoldsAsync(() => dp.Current?.Hash == served.Hash, "the node serves what the second control plane serves");
        Assert.Equal(ConfigOrigin.ControlPlane, dp.State.ServingTier);
        Assert.Equal(cp2.Endpoint, dp.State.Link.Endpoint);
        Assert.Equal(ClusterLinkStatus.Connected, dp.State.Link.Status);
        Assert.True(cp2.Registry.Find("second-dp")?.IsConnected);
    }

    [Fact]
    public async Task An_endpoint_whose_certificate_is_not_trusted_is_skipped_each_round_and_the_node_uses_the_next()
    {
        var rogue = TestPki.Create("Rogue CP").IssueServer("localhost");
        await using var untrusted = await ControlPlaneServer.StartAsync(rogue, Pki.Hub);
        await untrusted.PublishAsync(Config(9));
        await using var cp2 = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var served = await cp2.PublishAsync(Config(2));

        await using var dp = await DataPlaneNode.StartAsync(Endpoints(_ => { }, untrusted.Endpoint, cp2.Endpoint), nodeId: "tls-dp");
        using var attempts = new MetricCollector<long>(dp.Services.GetRequiredService<IMeterFactory>(), "Resilience.DataPlane", "resilience.link.connect_attempts");

        await Eventually.HoldsAsync(() => dp.Current?.Hash == served.Hash && dp.State.Link.Endpoint == cp2.Endpoint, "the node serves what the trusted control plane serves");
        Assert.Null(untrusted.Registry.Find("tls-dp"));
        Assert.Equal([Config(2)], dp.Validated.ToArray());

        // Its connection to the second ends; the next round tries the second first, so the untrusted one is tried
        // only when the second is down, and is refused again by the same rules.
        await cp2.StopAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => Count(attempts, untrusted.Endpoint, "failure") >= 1, "the untrusted endpoint was tried again");
        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, LastError: not null } link && link.Endpoint == untrusted.Endpoint, "the round ended with the untrusted endpoint's refusal");
        Assert.Contains("not trusted", dp.State.Link.LastError, StringComparison.Ordinal);
        Assert.Equal(served.Hash, dp.Current?.Hash);
    }

    [Fact]
    public async Task Every_endpoint_is_reached_through_the_same_forward_proxy()
    {
        using var proxy = await ProxyProcess.StartTinyproxyAsync("linkuser", "s3cret");
        await using var cp1 = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var cp2 = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var first = await cp1.PublishAsync(Config(1));
        var second = await cp2.PublishAsync(Config(2));

        await using var dp = await DataPlaneNode.StartAsync(
            Endpoints(
                o =>
                {
                    o.UseProxy = true;
                    o.ProxyUri = new Uri($"http://linkuser:s3cret@127.0.0.1:{proxy.Port}");
                },
                cp1.Endpoint,
                cp2.Endpoint),
            nodeId: "proxied-dp");
        await Eventually.HoldsAsync(() => dp.Current?.Hash == first.Hash, "the node serves the first control plane's config through the proxy");

        await cp1.StopAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => dp.Current?.Hash == second.Hash && dp.State.Link.Endpoint == cp2.Endpoint, "the node serves the second control plane's config through the proxy");

        var log = await File.ReadAllTextAsync(Path.Combine(proxy.Directory, "tinyproxy.log"));
        Assert.Contains($"CONNECT localhost:{cp1.Port}", log);
        Assert.Contains($"CONNECT localhost:{cp2.Port}", log);
    }

    /// <summary>The shared PKI's link settings with <paramref name="endpoints"/> instead of one endpoint.</summary>
    private static Action<ClusterLinkOptions> Endpoints(Action<ClusterLinkOptions> more, params Uri[] endpoints) => o =>
    {
        Pki.Link(endpoints[0])(o);
        o.Endpoint = null;
        foreach (var endpoint in endpoints)
        {
            o.Endpoints.Add(endpoint);
        }

        more(o);
    };

    private static string Tag(Uri endpoint) => EndpointTag.Of(endpoint);

    private static long Count(MetricCollector<long> attempts, Uri endpoint, string outcome) =>
        attempts.GetMeasurementSnapshot()
            .Where(m => Equals(m.Tags["endpoint"], Tag(endpoint)) && Equals(m.Tags["outcome"], outcome))
            .Sum(m => m.Value);

    /// <summary>A loopback port nothing listens on (<see cref="FreePort"/>).</summary>
    private static int ClosedPort() => FreePort.Next();
}
