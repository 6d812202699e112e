using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Resilience.Benchmarks;

/// <summary>
/// Records, for each fan-out, the time until the last client had it (the swarm's clock) and what it cost this process
/// (CPU, allocations, working-set growth, garbage collections by generation), by kind, and prints medians at the end: BenchmarkDotNet sees only the time.
/// </summary>
internal sealed class FanOutMeter
{
    private readonly ConcurrentDictionary<string, List<Sample>> _samples = new();

    /// <summary>Runs one fan-out; <paramref name="fanOut"/> returns the <see cref="Stopwatch"/> timestamp of the last client.</summary>
    public async Task MeasureAsync(string kind, Func<Task<long>> fanOut)
    {
        using var process = Process.GetCurrentProcess();
        var workingSetBefore = Environment.WorkingSet;
        var peak = workingSetBefore;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Environment.WorkingSet);
                await Task.Delay(5);
            }
        });
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var gen0Before = GC.CollectionCount(0);
        var gen1Before = GC.CollectionCount(1);
        var gen2Before = GC.CollectionCount(2);
        var started = Stopwatch.GetTimestamp();

        var lastClientAt = await fanOut();

        process.Refresh();
        var sample = new Sample(
            Stopwatch.GetElapsedTime(started, lastClientAt).TotalMilliseconds,
            (process.TotalProcessorTime - cpuBefore).TotalMilliseconds,
            GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore,
            Math.Max(0, Math.Max(peak, Environment.WorkingSet) - workingSetBefore),
            GC.CollectionCount(0) - gen0Before,
            GC.CollectionCount(1) - gen1Before,
            GC.CollectionCount(2) - gen2Before);
        await sampling.CancelAsync();
        await sampler;
        _samples.GetOrAdd(kind, _ => []).Add(sample);
    }

    /// <summary>Prints the median of each kind (the first sample of each is the warm-up and is left out).</summary>
    public void Report(string title, int clients)
    {
        Console.WriteLine($"// {title}, load average {LoadAverage()}:");
        foreach (var (kind, samples) in _samples.OrderBy(s => s.Key))
        {
            var measured = samples.Skip(1).ToArray();
            if (measured.Length == 0)
            {
                continue;
            }

            var last = measured.Select(s => s.LastClientMs).Order().ToArray();
            var cpu = measured.Select(s => s.CpuMs).Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"//   {kind}: last client median {last[last.Length / 2]:F1} ms (min {last[0]:F1}, max {last[^1]:F1}); CPU median {cpu[cpu.Length / 2]:F1} ms ({measured.Average(s => s.CpuMs) * 1000 / clients:F1} us per client on average); allocated {measured.Average(s => s.AllocatedBytes) / 1024 / 1024:F1} MiB per fan-out ({measured.Average(s => s.AllocatedBytes) / clients / 1024:F1} KiB per client); working set +{measured.Max(s => s.WorkingSetGrowth) / 1024 / 1024:F1} MiB at most; collections per fan-out gen0/gen1/gen2 {measured.Average(s => s.Gen0):F1}/{measured.Average(s => s.Gen1):F1}/{measured.Average(s => s.Gen2):F1} (gen2 max {measured.Max(s => s.Gen2)})"));
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    // Gen0..Gen2: collections of that generation during the fan-out (a gen2 collection counts in gen0 and gen1 too).
    private sealed record Sample(double LastClientMs, double CpuMs, long AllocatedBytes, long WorkingSetGrowth, int Gen0, int Gen1, int Gen2);
}
