using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Resilience.Benchmarks;

/// <summary>
/// Fan-out: one CP, 100 DPs on loopback (each a real host with the chain and its own mTLS connection);
/// time from publishing a ~1 MB config until every DP has applied it. Per-DP latencies of all iterations
/// are printed as p50/p99 at the end.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 8, invocationCount: 1)]
public class LinkFanOutBenchmarks
{
    private const int DataPlanes = 100;
    private readonly List<double> _perDataPlaneMs = [];
    private LinkBenchmarkRig _rig = null!;
    private List<IDataPlane> _dataPlanes = null!;
    private byte[][] _configs = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _configs = [LinkBenchmarkRig.Config(1_000_000, "a"), LinkBenchmarkRig.Config(1_000_000, "b")];
        _rig = new LinkBenchmarkRig();
        _rig.StartControlPlaneAsync().GetAwaiter().GetResult();
        _dataPlanes = Enumerable.Range(0, DataPlanes).Select(i => _rig.StartDataPlaneAsync($"fan-{i:D3}").GetAwaiter().GetResult()).ToList();
        _rig.WaitConnectedAsync(DataPlanes).GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void WaitForReports() => _rig.WaitAllReportedAsync(_dataPlanes[0].Current!.Hash).GetAwaiter().GetResult();

    [Benchmark(Description = "publish 1 MB -> all 100 DPs applied")]
    public async Task All_applied()
    {
        var known = _dataPlanes.Select(d => d.Current).ToArray();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var waits = _dataPlanes.Select(async (d, i) =>
        {
            await d.WaitForChangeAsync(known[i], CancellationToken.None);
            return System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }).ToArray();
        await _rig.Publisher.PublishAsync(_configs[_next++ % 2]);
        var latencies = await Task.WhenAll(waits);
        lock (_perDataPlaneMs)
        {
            _perDataPlaneMs.AddRange(latencies);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var sorted = _perDataPlaneMs.Order().ToArray();
        if (sorted.Length > 0)
        {
            Console.WriteLine($"// fan-out per-DP push-to-applied over {sorted.Length} applies: p50 {Percentile(sorted, 0.50):F1} ms, p99 {Percentile(sorted, 0.99):F1} ms, max {sorted[^1]:F1} ms");
        }

        _rig.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
