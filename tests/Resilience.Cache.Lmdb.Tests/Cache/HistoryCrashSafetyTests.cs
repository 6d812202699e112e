using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>A node killed with SIGKILL while it writes its LMDB cache and history never leaves a history that lists what it cannot serve.</summary>
[Collection(TimingSensitive.Name)]
public sealed class HistoryCrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Writer_killed_a_hundred_times_leaves_a_history_whose_every_entry_loads_whole()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var known = CrashWriterConfigs.History.Select(c => ConfigHash.Compute(c)).ToHashSet();

        // Four lanes of 25 kills, each in its own directory: a writer's start-up dominates a round, and lanes overlap them.
        var lanes = Enumerable.Range(0, 4).Select(lane => Task.Run(() => RunLaneAsync(new Random(seed + lane), Path.Combine(_temp.Combine($"lane-{lane}"), "dbless.lmdb"), 25, known))).ToArray();
        var lengths = (await Task.WhenAll(lanes)).SelectMany(l => l).ToArray();

        Assert.Equal(100, lengths.Length);
        output.WriteLine($"history lengths after kills: {string.Join(",", lengths.GroupBy(l => l).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"))}");
    }

    private static async Task<List<int>> RunLaneAsync(Random random, string path, int rounds, HashSet<string> known)
    {
        var writer = Path.Combine(AppContext.BaseDirectory, "Resilience.CrashWriter.dll");
        Assert.True(File.Exists(writer), $"{writer} is missing");
        var lengths = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { writer, "history", path, "lmdb" })
            {
                start.ArgumentList.Add(argument);
            }

            using (var child = Process.Start(start)!)
            {
                try
                {
                    var line = await child.StandardOutput.ReadLineAsync().WaitAsync(ReadyDeadline);
                    if (line != "ready")
                    {
                        Assert.Fail($"{path} round {round}: the writer said '{line}': {await child.StandardError.ReadToEndAsync().WaitAsync(ReadyDeadline)}");
                    }

                    // Spin rather than sleep: the kill lands at a random point of a write.
                    var killAfter = Stopwatch.StartNew();
                    var delay = TimeSpan.FromMilliseconds(random.Next(0, 40));
                    while (killAfter.Elapsed < delay)
                    {
                        Thread.SpinWait(1000);
                    }
                }
                finally
                {
                    child.Kill(); // SIGKILL on Linux: no finalizers, no flush, no unlock.
                    await child.WaitForExitAsync().WaitAsync(ReadyDeadline);
                }
            }

            using var cache = TestConfigs.Cache(path);
            using var plane = new DataPlane(
                new ConfigPreparer(1 << 24, 1 << 24, new DeclarativeConfigOptions()),
                new JsonOnlyConfigValidator(),
                cache,
                new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "crash", NodeVersion = "1.0.0" })),
                TimeProvider.System,
                NullLogger<DataPlane>.Instance,
                meterFactory: null,
                historyDepth: 3);
            await plane.LoadHistoryAsync();
            var history = plane.History;
            Assert.NotEmpty(history);
            lengths.Add(history.Count);
            foreach (var entry in history)
            {
                Assert.Contains(entry.Hash, known);
                var loaded = await cache.LoadHistoryEntryAsync(entry.Hash, default);
                Assert.True(loaded is not null, $"{path} round {round}: entry {entry.Hash} is listed but does not load");
                Assert.Equal(entry.Hash, ConfigHash.Compute(loaded.Content.Span));
            }

            Assert.NotNull(await cache.LoadAsync(default));
        }

        return lengths;
    }
}
