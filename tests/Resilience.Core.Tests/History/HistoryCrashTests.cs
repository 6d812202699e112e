using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Resilience.Tests.History;

/// <summary>A node killed with SIGKILL while it writes its cache and history never leaves a history that lists what it cannot serve.</summary>
public sealed class HistoryCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Writer_killed_a_hundred_times_leaves_a_history_whose_every_entry_loads_whole()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var known = CrashWriterConfigs.History.Select(c => ConfigHash.Compute(c)).ToHashSet();

        // Four lanes of 25 kills, each in its own directory: a writer's start-up dominates a round, and lanes overlap them.
        var lanes = Enumerable.Range(0, 4).Select(lane => Task.Run(() => RunLaneAsync(new Random(seed + lane), _dir.Combine($"lane-{lane}"), 25, known))).ToArray();
        var lengths = (await Task.WhenAll(lanes)).SelectMany(l => l).ToArray();

        Assert.Equal(100, lengths.Length);
        output.WriteLine($"history lengths after kills: {string.Join(",", lengths.GroupBy(l => l).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"))}");
    }

    private static async Task<List<int>> RunLaneAsync(Random random, string directory, int rounds, HashSet<string> known)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileConfigCache.DefaultFileName);
        var lengths = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            await KillDuringWritesAsync(random, path, "history");

            var cache = new FileConfigCache(path, long.MaxValue, long.MaxValue, TimeProvider.System, NullLogger.Instance);
            using var plane = HistoryPlanes.Plane(cache, depth: 3);
            await plane.LoadHistoryAsync();

            // The old index or the new one, never none: the writer had written one before it said ready.
            var history = plane.History;
            Assert.NotEmpty(history);
            lengths.Add(history.Count);
            foreach (var entry in history)
            {
                Assert.Contains(entry.Hash, known);
                var loaded = await cache.LoadHistoryEntryAsync(entry.Hash, default);
                Assert.True(loaded is not null, $"{directory} round {round}: entry {entry.Hash} is listed but does not load");
                Assert.Equal(entry.Hash, ConfigHash.Compute(loaded.Content.Span));
            }

            Assert.NotNull(await cache.LoadAsync(default));
            Assert.DoesNotContain(Directory.GetFiles(Path.Combine(directory, "history")), f => AtomicFile.IsTemp(Path.GetFileName(f)));
        }

        return lengths;
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Starts the crash writer, waits until it has written once, and kills it at a random point of its writes.</summary>
    internal static async Task KillDuringWritesAsync(Random random, string path, params string[] mode)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Resilience.CrashWriter.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; the test project references tests/Resilience.CrashWriter");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(mode[0]);
        start.ArgumentList.Add(path);
        foreach (var extra in mode.Skip(1))
        {
            start.ArgumentList.Add(extra);
        }

        using var writer = Process.Start(start)!;
        var ready = await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("ready", ready);

        // Spin rather than sleep: the kill lands at a random point of a write.
        var killAfter = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(random.Next(0, 40));
        while (killAfter.Elapsed < delay)
        {
            Thread.SpinWait(1000);
        }

        writer.Kill();
        await writer.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }
}
