using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Yarp.Tests;

/// <summary>A 20,000-route configuration swapped in while real traffic flows through real YARP to a real upstream.</summary>
public sealed class LargeConfigSwapTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Swapping_in_20000_routes_under_load_fails_no_request()
    {
        await using var upstream = await Upstream.StartAsync("upstream");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"));
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(upstream.Url))).StatusCode);
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/warm") == "upstream", "routing with the small config");

        // The big one keeps the catch-all, so every request of the loop has a route before, during and after the swap.
        var big = ProxyConfigs.Many(20_000, upstream.Url).Replace("{\"Routes\":{", "{\"Routes\":{\"all\":{\"ClusterId\":\"c0\",\"Order\":1000,\"Match\":{\"Path\":\"{**rest}\"}},", StringComparison.Ordinal);
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var ok = 0;
        var traffic = Enumerable.Range(0, 3).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var body = await gateway.GetAsync($"/loop/{worker}/{i}");
                if (body == "upstream")
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    lock (failures)
                    {
                        failures.Add(body);
                    }
                }
            }
        })).ToArray();

        await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref ok) > 20), "traffic to flow");
        var elapsed = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(big)).StatusCode);
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/r19999/x") == "upstream" && gateway.Services.GetRequiredService<AppliedProxyRevision>().IsRouting(gateway.DataPlane), "routing with 20,000 routes", TimeSpan.FromMinutes(2));
        var okAtSwap = Volatile.Read(ref ok);
        await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref ok) > okAtSwap + 20), "traffic after the swap");
        stop.Cancel();
        await Task.WhenAll(traffic);

        Assert.True(failures.Count == 0, $"{failures.Count} failed requests of {ok + failures.Count} (first: {failures.FirstOrDefault()}); swap took {elapsed.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(20_001, gateway.DataPlane.Current!.GetModel<ReverseProxyConfig>().Routes.Count);
    }

    public void Dispose() => _dir.Dispose();
}
