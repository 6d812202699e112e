using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.Tests.Chain;

/// <summary>
/// A node restarted with a cache serves it at once and connects to the control plane once the host has started, so the
/// link's first connect (certificates, chain, TLS) does not take a core from the start-up; without a cache the control
/// plane is the start-up's source and the link starts at once.
/// </summary>
public sealed class LinkStartAfterHostStartTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SlowStartingService _slowService = new();

    [Fact]
    public async Task Serving_from_the_cache_the_link_starts_once_the_host_has_started()
    {
        await SeedCacheAsync();
        var link = new ScriptedClusterLink();
        using var host = Build(link);
        var starting = host.StartAsync();

        // The chain has served the cache (its start is done) and a later service is still starting.
        await _slowService.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var dataPlane = host.Services.GetRequiredService<IDataPlane>();
        Assert.Equal(ConfigOrigin.Cache, dataPlane.State.ServingTier);
        Assert.Equal("cached", Configs.NameOf(dataPlane.Current));
        Assert.Equal(ClusterLinkStatus.Connecting, dataPlane.State.Link.Status);

        // Not started while the host is starting (a bounded look: before this change it started within milliseconds).
        Assert.NotSame(link.Started.Task, await Task.WhenAny(link.Started.Task, Task.Delay(500)));

        _slowService.Release.SetResult();
        await starting.WaitAsync(TimeSpan.FromSeconds(30));
        await link.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync();
    }

    [Fact]
    public async Task Without_a_cache_the_link_starts_while_the_host_is_still_starting()
    {
        var link = new ScriptedClusterLink();
        using var host = Build(link);
        var starting = host.StartAsync();

        await link.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(starting.IsCompleted);

        _slowService.Release.SetResult();
        await starting.WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_host_that_does_not_finish_starting_gets_its_link_after_the_startup_timeout()
    {
        await SeedCacheAsync();
        var link = new ScriptedClusterLink();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var host = Build(link, clock);
        var starting = host.StartAsync();
        await _slowService.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // One fake second at a time, with a real moment for the link's task to run: it starts at the start-up
        // timeout (5 s in the settings), not before.
        var advanced = TimeSpan.Zero;
        while (!link.Started.Task.IsCompleted && advanced < TimeSpan.FromSeconds(30))
        {
            await Task.WhenAny(link.Started.Task, Task.Delay(100));
            if (!link.Started.Task.IsCompleted)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                advanced += TimeSpan.FromSeconds(1);
            }
        }

        await link.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.InRange(advanced, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6));
        Assert.False(starting.IsCompleted);

        _slowService.Release.SetResult();
        await starting.WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync();
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A node that served a manual apply leaves it in its cache.</summary>
    private async Task SeedCacheAsync()
    {
        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir));
        var applied = await node.DataPlane.ApplyManualAsync(Configs.Json("cached"), ConfigFormat.Json, default);
        Assert.Equal(ApplyOutcome.Applied, applied.Outcome);
    }

    private IHost Build(ScriptedClusterLink link, TimeProvider? clock = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(ChainNode.Settings(_dir));
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.Services.AddLogging();
        builder.Services.AddDataPlaneResilience(builder.Configuration.GetSection("Resilience")).UseClusterLink(link);

        // Hosted services start in order: this one starts after the chain, as a server or a warm-up would.
        builder.Services.AddHostedService(_ => _slowService);
        return builder.Build();
    }

    private sealed class SlowStartingService : IHostedService
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
