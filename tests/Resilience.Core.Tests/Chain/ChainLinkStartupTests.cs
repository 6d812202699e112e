using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.Tests.Chain;

/// <summary>How start-up uses tier 1, with a scripted link and a fake clock.</summary>
public sealed class ChainLinkStartupTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ScriptedClusterLink _link = new();

    [Fact]
    public async Task Control_plane_config_wins_over_every_lower_tier()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));
        _link.Push(Configs.Json("from-cp"));

        await using var node = await StartAsync(yaml);

        Assert.Equal("from-cp", Configs.NameOf(node.DataPlane.Current));
        Assert.Equal(ConfigOrigin.ControlPlane, node.DataPlane.State.ServingTier);
    }

    [Fact]
    public async Task Failed_first_attempt_goes_down_the_chain_without_waiting_for_the_timeout()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));
        _link.FailAttempt("connection refused");

        await using var node = await StartAsync(yaml);

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
        Assert.Equal(ClusterLinkStatus.Disconnected, node.DataPlane.State.Link.Status);
        Assert.Equal("connection refused", node.DataPlane.State.Link.LastError);
    }

    [Fact]
    public async Task Silent_control_plane_goes_down_the_chain_after_the_startup_timeout()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);

        await using var node = await StartAsync(yaml, clock, waitForStartup: false);
        await _link.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(node.Startup.IsCompleted);
        Assert.Null(node.DataPlane.Current);

        clock.Advance(TimeSpan.FromSeconds(2));
        await node.Startup.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public async Task Control_plane_push_after_start_replaces_the_yaml_config()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));
        _link.FailAttempt("down");
        await using var node = await StartAsync(yaml);
        var served = node.DataPlane.Current;

        _link.Push(Configs.Json("from-cp"));
        var next = await node.DataPlane.WaitForChangeAsync(served, default).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("from-cp", Configs.NameOf(next));
    }

    [Fact]
    public async Task Manual_apply_is_served_until_the_control_plane_pushes()
    {
        _link.FailAttempt("down");
        await using var node = await StartAsync(yaml: null);

        var manual = await node.DataPlane.ApplyManualAsync(System.Text.Encoding.UTF8.GetBytes(Configs.Yaml("manual")), ConfigFormat.Yaml, default);
        Assert.Equal(ApplyOutcome.Applied, manual.Outcome);
        Assert.Equal("manual", Configs.NameOf(node.DataPlane.Current));
        Assert.Equal(ConfigOrigin.Manual, node.DataPlane.State.ServingTier);

        var served = node.DataPlane.Current;
        _link.Push(Configs.Json("from-cp"));
        var next = await node.DataPlane.WaitForChangeAsync(served, default).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("from-cp", Configs.NameOf(next));
        Assert.Equal(ConfigOrigin.ControlPlane, node.DataPlane.State.ServingTier);
    }

    [Fact]
    public async Task Restart_serves_the_cache_at_once_while_the_link_is_still_connecting()
    {
        _link.Push(Configs.Json("from-cp"));
        await (await StartAsync(yaml: null)).DisposeAsync();

        var silentLink = new ScriptedClusterLink();
        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir), b => b.UseClusterLink(silentLink));

        Assert.Equal("from-cp", Configs.NameOf(node.DataPlane.Current));
        Assert.Equal(ConfigOrigin.Cache, node.DataPlane.State.ServingTier);
        Assert.Equal(ClusterLinkStatus.Connecting, node.DataPlane.State.Link.Status);
    }

    private async Task<ChainNode> StartAsync(string? yaml, TimeProvider? clock = null, bool waitForStartup = true)
    {
        var settings = ChainNode.Settings(_dir, yaml);
        if (!waitForStartup)
        {
            return await ChainNode.StartUnobservedAsync(settings, b => b.UseClusterLink(_link), s => s.AddSingleton(clock ?? TimeProvider.System));
        }

        return await ChainNode.StartAsync(settings, b => b.UseClusterLink(_link), s => { if (clock is not null) { s.AddSingleton(clock); } });
    }

    public void Dispose() => _dir.Dispose();
}
