using System.Diagnostics;
using Xunit.Abstractions;

namespace Resilience.Cache.Lmdb.Tests;

[Collection(TimingSensitive.Name)]
public sealed class ConcurrencyTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Concurrent_readers_and_a_writer_run_for_10_seconds_without_errors_or_leaked_reader_slots()
    {
        // Few reader slots: a leaked slot per read would exhaust them within the first few reads.
        const int maxReaders = 8;
        const int readers = 4;
        byte[][] configs = [TestConfigs.Json("one", 64 * 1024), TestConfigs.Json("two", 96 * 1024)];
        using var cache = TestConfigs.Cache(_temp.Combine("dbless.lmdb"), configure: o => o.MaxReaders = maxReaders);
        await cache.SaveAsync(TestConfigs.Snapshot(configs[0]), default);
        var duration = TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        long reads = 0;
        long writes = 0;

        var readerTasks = Enumerable.Range(0, readers).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var loaded = await cache.LoadAsync(default);
                Assert.NotNull(loaded);
                var content = loaded.Content.ToArray();
                Assert.True(content.AsSpan().SequenceEqual(configs[0]) || content.AsSpan().SequenceEqual(configs[1]), "a read saw neither config");
                Interlocked.Increment(ref reads);
            }
        }));
        var writerTask = Task.Run(async () =>
        {
            for (var i = 1; clock.Elapsed < duration; i++)
            {
                await cache.SaveAsync(TestConfigs.Snapshot(configs[i % 2]), default);
                Interlocked.Increment(ref writes);
            }
        });

        await Task.WhenAll([.. readerTasks, writerTask]);

        output.WriteLine($"{reads} reads and {writes} writes in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(reads > maxReaders * 10, $"only {reads} reads");
        Assert.True(writes > 10, $"only {writes} writes");

        // Reads from threads that then exit leave no slot behind either.
        for (var i = 0; i < maxReaders * 4; i++)
        {
            var loaded = await Task.Factory.StartNew(() => cache.LoadAsync(default).AsTask().GetAwaiter().GetResult(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.NotNull(loaded);
        }
    }

    [Fact]
    public async Task Every_load_releases_its_reader_slot()
    {
        // One slot: a single leaked read transaction would make the next load fail.
        using var cache = TestConfigs.Cache(_temp.Combine("dbless.lmdb"), configure: o => o.MaxReaders = 1);
        await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("one-slot")), default);

        for (var i = 0; i < 200; i++)
        {
            Assert.NotNull(await Task.Run(() => cache.LoadAsync(default).AsTask()));
        }
    }
}
