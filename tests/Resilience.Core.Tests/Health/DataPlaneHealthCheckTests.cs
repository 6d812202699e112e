using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.Tests.Health;

/// <summary>The health check in each chain state, with a fake clock.</summary>
public sealed class DataPlaneHealthCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-11-23T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ScriptedClusterLink _link = new();

    [Fact]
    public async Task Nothing_served_is_unhealthy()
    {
        _link.FailAttempt("refused");
        await using var node = await StartAsync();

        var report = await CheckAsync(node);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
    }

    [Fact]
    public async Task Served_with_the_link_up_is_healthy()
    {
        _link.Push(Configs.Json("a"));
        await using var node = await StartAsync();

        var report = await CheckAsync(node);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("ControlPlane", report.Entries["data-plane"].Data["serving_tier"]);
    }

    [Fact]
    public async Task Link_down_longer_than_the_threshold_is_degraded_but_still_serving()
    {
        _link.Push(Configs.Json("a"));
        await using var node = await StartAsync();
        var disconnected = _clock.GetUtcNow();
        _link.Then(c =>
        {
            c.ReportState(new ClusterLinkState(ClusterLinkStatus.Disconnected, disconnected, 1, "heartbeat timeout"));
            return Task.CompletedTask;
        });
        await node.Services.GetRequiredService<DataPlane>().WaitForStateAsync(s => s.Link.Status == ClusterLinkStatus.Disconnected, default).WaitAsync(TimeSpan.FromSeconds(10));

        _clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(node)).Status);

        _clock.Advance(TimeSpan.FromMinutes(2));
        var report = await CheckAsync(node);
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Contains("heartbeat timeout", report.Entries["data-plane"].Description);
    }

    [Fact]
    public async Task Config_older_than_the_threshold_is_degraded()
    {
        _link.Push(Configs.Json("a"));
        await using var node = await StartAsync(("Resilience:Health:ConfigAgeThreshold", "01:00:00"));

        _clock.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(node)).Status);
    }

    public void Dispose() => _dir.Dispose();

    private static Task<HealthReport> CheckAsync(ChainNode node) => node.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    private Task<ChainNode> StartAsync(params (string Key, string Value)[] extra)
    {
        var settings = ChainNode.Settings(_dir);
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return ChainNode.StartAsync(settings, b => b.UseClusterLink(_link), s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddHealthChecks().AddDataPlaneCheck();
        });
    }
}
