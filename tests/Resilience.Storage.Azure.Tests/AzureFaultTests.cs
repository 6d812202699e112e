using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Resilience.Tests.Azurite;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.Azure.Tests;

/// <summary>
/// A real Azurite behind a fault-injecting proxy: Azure-shaped 503 and 500 answers and a service that stops answering.
/// The retry budget is honoured (attempts, delays and the total on the injected clock) and a node's start-up is bounded.
/// </summary>
public sealed class AzureFaultTests(AzuriteFixture fixture) : IClassFixture<AzuriteFixture>
{
    private const string Key = "3.6.0.0/config.json";

    [Theory]
    [InlineData(Fault.ServiceUnavailable)]
    [InlineData(Fault.InternalError)]
    public async Task A_transient_error_then_success_succeeds(Fault fault)
    {
        await using var proxy = new FaultInjectingProxy(fixture.Server.Port);
        var store = AzuriteFixture.CreateStore(fixture.NewStorageUri(), Fast(proxy, retries: 3));
        proxy.Inject(fault, connections: 2);

        await store.PutAsync(Key, "{\"ok\":true}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal(2, proxy.Faulted);
        Assert.Equal("{\"ok\":true}"u8.ToArray(), (await store.GetAsync(Key, 1024, CancellationToken.None))!.Content.ToArray());
    }

    [Theory]
    [InlineData(Fault.ServiceUnavailable)]
    [InlineData(Fault.InternalError)]
    public async Task Transient_errors_are_retried_a_bounded_number_of_times(Fault fault)
    {
        await using var proxy = new FaultInjectingProxy(fixture.Server.Port);
        var store = AzuriteFixture.CreateStore(fixture.NewStorageUri(), Fast(proxy, retries: 3));
        proxy.Inject(fault);

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.PutAsync(Key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Contains("after retries", error.Message, StringComparison.Ordinal);
        Assert.Contains(fault == Fault.ServiceUnavailable ? "503 ServerBusy" : "500 InternalError", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, proxy.Faulted);
    }

    [Fact]
    public async Task A_conditional_write_retried_after_a_503_still_reports_the_precondition()
    {
        await using var proxy = new FaultInjectingProxy(fixture.Server.Port);
        var storage = fixture.NewStorageUri();
        var store = (IConditionalFallbackStore)AzuriteFixture.CreateStore(storage, Fast(proxy, retries: 3));

        // Written around the proxy: a kept-alive connection through it would carry the next request past the fault.
        await fixture.CreateStore(storage).PutAsync(Key, "{\"v\":1}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        proxy.Inject(Fault.ServiceUnavailable, connections: 1);

        Assert.False(await store.TryPutAsync(Key, "{\"v\":2}"u8.ToArray(), new Dictionary<string, string>(), expectedVersion: null, CancellationToken.None));

        Assert.Equal(1, proxy.Faulted);
        Assert.Equal("{\"v\":1}"u8.ToArray(), (await store.GetAsync(Key, 1024, CancellationToken.None))!.Content.ToArray());
    }

    [Fact]
    public async Task Retry_delays_and_the_total_budget_run_on_the_injected_clock()
    {
        await using var proxy = new FaultInjectingProxy(fixture.Server.Port);
        var clock = new FakeTimeProvider();
        var options = Fast(proxy, retries: 20);
        options.RetryBaseDelay = TimeSpan.FromSeconds(2);
        options.MaxRetryDelay = TimeSpan.FromSeconds(8);
        options.AttemptTimeout = TimeSpan.FromSeconds(10);
        options.TotalTimeout = TimeSpan.FromSeconds(30);
        var store = AzuriteFixture.CreateStore(fixture.NewStorageUri(), options, clock);
        proxy.Inject(Fault.ServiceUnavailable);

        var get = store.GetAsync(Key, 1024, CancellationToken.None).AsTask();
        var advanced = await ClockDriver.AdvanceUntilDoneAsync(clock, get, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAsync<FallbackStoreException>(() => get);
        Assert.True(error.IsTransient);

        // Exponential delays from 2 s, capped at 8 s, inside a 30 s budget: a handful of attempts, not 21.
        Assert.InRange(advanced, TimeSpan.FromSeconds(29.5), TimeSpan.FromSeconds(35));
        Assert.InRange(proxy.Faulted, 3, 12);
    }

    [Fact]
    public async Task Retries_stop_within_the_total_budget_when_the_service_stalls()
    {
        await using var proxy = new FaultInjectingProxy(fixture.Server.Port);
        var clock = new FakeTimeProvider();
        var options = Fast(proxy, retries: 20);
        options.AttemptTimeout = TimeSpan.FromMilliseconds(300);
        options.TotalTimeout = TimeSpan.FromSeconds(1);
        var store = AzuriteFixture.CreateStore(fixture.NewStorageUri(), options, clock);
        proxy.Inject(Fault.Stall);

        var get = store.GetAsync(Key, 1024, CancellationToken.None).AsTask();
        var advanced = await ClockDriver.AdvanceUntilDoneAsync(clock, get, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<FallbackStoreException>(() => get);
        Assert.True(error.IsTransient);
        Assert.Contains("budget", error.Message, StringComparison.Ordinal);
        Assert.InRange(advanced, TimeSpan.FromSeconds(0.95), TimeSpan.FromSeconds(1.5));
        Assert.InRange(proxy.Faulted, 2, 5);
    }

    [Theory]
    [InlineData(Fault.Stall)]
    [InlineData(Fault.ServiceUnavailable)]
    public async Task A_new_node_whose_store_stalls_or_fails_boots_from_yaml_within_its_bounds(Fault fault)
    {
        await using var proxy = new FaultInjectingProxy(fixture.Server.Port);
        var storage = fixture.NewStorageUri();
        await fixture.CreateStore(storage).PutAsync(FallbackStoreKeys.Config(FallbackStoreBehaviourConstants.Version), "{\"routes\":[\"from-store\"]}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        proxy.Inject(fault);

        await using var node = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "new-node", Storage = storage, Import = true, Yaml = "routes:\n  - from-yaml\n", Link = new UnreachableControlPlaneLink(),
            UseStore = b => b.UseAzureFallbackStore(o =>
            {
                o.ConnectionString = AzuriteServer.ConnectionStringFor(proxy.Port);
                o.MaxRetryAttempts = 3;
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
                o.AttemptTimeout = TimeSpan.FromMilliseconds(500);
                o.TotalTimeout = TimeSpan.FromSeconds(2);
            }),
        });

        // The start-up timeout (10 s) plus the store's 2 s budget bound the walk; the deadline leaves room for a loaded machine.
        await node.WaitForStartupAsync();

        Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.Current?.Origin);
        Assert.InRange(proxy.Faulted, 1, 4);
        Assert.Equal(0, proxy.Relayed);
    }

    private static AzureFallbackStoreOptions Fast(FaultInjectingProxy proxy, int retries) => new()
    {
        ConnectionString = AzuriteServer.ConnectionStringFor(proxy.Port),
        MaxRetryAttempts = retries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        AttemptTimeout = TimeSpan.FromSeconds(2),
        TotalTimeout = TimeSpan.FromSeconds(10),
    };
}
