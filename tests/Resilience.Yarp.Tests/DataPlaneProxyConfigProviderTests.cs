using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace Resilience.Yarp.Tests;

public sealed class DataPlaneProxyConfigProviderTests
{
    [Fact]
    public async Task YARPs_reload_callback_runs_off_the_thread_that_swaps()
    {
        var dataPlane = new ManualDataPlane();
        var provider = new DataPlaneProxyConfigProvider(dataPlane, new ProxyConfigReuse(), NullLogger<DataPlaneProxyConfigProvider>.Instance);
        var config = provider.GetConfig();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        config.ChangeToken.RegisterChangeCallback(_ =>
        {
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(30)); // a slow YARP rebuild
        }, null);

        // Were the callback run inline, the swap would wait the callback's 30 s; it must return first.
        var swap = Task.Run(dataPlane.Swap);
        var returned = await Task.WhenAny(swap, Task.Delay(TimeSpan.FromSeconds(20))) == swap;
        release.Set();

        Assert.True(returned, "the swap waited for YARP's reload callback");
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)), "the reload callback ran");
        Assert.True(config.ChangeToken.HasChanged);
    }

    [Fact]
    public void A_swap_between_taking_the_token_and_YARP_registering_still_signals()
    {
        var dataPlane = new ManualDataPlane();
        var config = new DataPlaneProxyConfigProvider(dataPlane, new ProxyConfigReuse(), NullLogger<DataPlaneProxyConfigProvider>.Instance).GetConfig();
        dataPlane.Swap();
        using var fired = new ManualResetEventSlim();
        config.ChangeToken.RegisterChangeCallback(_ => fired.Set(), null);
        Assert.True(fired.Wait(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Only the change token is used by the provider's signalling; the rest is not needed here.</summary>
    private sealed class ManualDataPlane : IDataPlane
    {
        private CancellationTokenSource _change = new();

        public ConfigSnapshot? Current => null;

        public DataPlaneState State => new();

        public IChangeToken GetChangeToken() => new CancellationChangeToken(_change.Token);

        public IChangeToken GetStateChangeToken() => new CancellationChangeToken(CancellationToken.None);

        public void Swap() => Interlocked.Exchange(ref _change, new CancellationTokenSource()).Cancel();

        public ValueTask<ConfigSnapshot> WaitForChangeAsync(ConfigSnapshot? known, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<ApplyResult> ApplyManualAsync(ReadOnlyMemory<byte> content, ConfigFormat format, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
