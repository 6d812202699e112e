using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Resilience.ControlPlane.Tests;

/// <summary>"Link down for longer than the threshold" measured over a real outage: the real link, a real control plane that stops.</summary>
public sealed class OutageHealthTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Health_turns_degraded_once_the_outage_lasts_longer_than_the_threshold_across_reconnect_attempts()
    {
        // The node's clock is fake (near now, so certificates are valid); connections are real.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var _ = cp;
        var published = await cp.PublishAsync("""{"v":1}""");
        await using var dp = await DataPlaneNode.StartAsync(
            o =>
            {
                Pki.Link(cp.Endpoint)(o);
                o.ReconnectDelayMin = TimeSpan.FromSeconds(5);
                o.ReconnectDelayMax = TimeSpan.FromSeconds(10);
            },
            nodeId: "outage-dp",
            services: s =>
            {
                s.AddSingleton<TimeProvider>(clock);
                s.AddHealthChecks().AddDataPlaneCheck();
            });
        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the node serves the pushed config");
        var health = dp.Services.GetRequiredService<HealthCheckService>();

        await cp.StopAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => dp.State.Link.Status == ClusterLinkStatus.Disconnected, "the node saw the outage");
        var outageStart = clock.GetUtcNow();
        Assert.Equal(outageStart, dp.State.Link.Since);

        // Every reconnect attempt flaps Connecting -> Disconnected; "down since" stays at the start of the outage.
        var attempts = 0;
        while (clock.GetUtcNow() - outageStart <= TimeSpan.FromMinutes(5))
        {
            Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
            clock.Advance(TimeSpan.FromSeconds(10));
            attempts++;
            await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected } link && link.Attempts == attempts, $"attempt {attempts} failed");
            Assert.Equal(outageStart, dp.State.Link.Since);
        }

        var report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Contains("control-plane link down since", report.Entries["data-plane"].Description, StringComparison.Ordinal);
        Assert.Equal(published.Hash, dp.Current?.Hash);
        Assert.True(attempts >= 30);
    }

    [Fact]
    public async Task Time_to_degraded_in_a_real_outage_is_the_threshold()
    {
        var threshold = TimeSpan.FromSeconds(3);
        var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var _ = cp;
        var published = await cp.PublishAsync("""{"v":1}""");
        await using var dp = await DataPlaneNode.StartAsync(
            Pki.Link(cp.Endpoint),
            nodeId: "real-outage-dp",
            services: s =>
            {
                s.AddHealthChecks().AddDataPlaneCheck();
                s.Configure<DataPlaneHealthOptions>(o => o.LinkDownThreshold = threshold);
            });
        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the node serves the pushed config");
        var health = dp.Services.GetRequiredService<HealthCheckService>();

        var outage = Stopwatch.StartNew();
        await cp.StopAsync(CancellationToken.None);
        await Eventually.HoldsAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Degraded, "health turns Degraded", TimeSpan.FromSeconds(60));

        output.WriteLine($"Degraded {outage.ElapsedMilliseconds} ms after the control plane stopped (threshold {threshold.TotalMilliseconds} ms, reconnect every 50-150 ms, attempts {dp.State.Link.Attempts})");
        Assert.True(dp.State.Link.Attempts > 3, "the outage spanned several reconnect attempts");
    }
}
