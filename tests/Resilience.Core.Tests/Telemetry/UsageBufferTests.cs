namespace Resilience.Tests.Telemetry;

/// <summary>The bounded usage buffer: limit, drop-oldest, and nothing lost or duplicated under concurrent writers.</summary>
public sealed class UsageBufferTests
{
    [Fact]
    public void Full_buffer_drops_the_oldest_and_counts_it()
    {
        var buffer = new UsageBuffer(capacity: 10);
        for (var i = 0; i < 25; i++)
        {
            buffer.Record(Record(i));
        }

        var batch = new List<UsageRecord>();
        buffer.Drain(batch, int.MaxValue);

        Assert.Equal(Enumerable.Range(15, 10), batch.Select(r => (int)r.RequestBytes));
        Assert.Equal(15, buffer.Dropped);
        Assert.Equal(0, buffer.Count);
        Assert.Equal(25, buffer.Recorded);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(10)]
    [InlineData(1)]
    public void Capacity_is_exactly_the_limit_with_concurrent_writers(int capacity)
    {
        var buffer = new UsageBuffer(capacity);
        Parallel.For(0, capacity * 3, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => buffer.Record(Record(i)));

        Assert.Equal(capacity, buffer.Count);
        var batch = new List<UsageRecord>();
        Assert.Equal(capacity, buffer.Drain(batch, int.MaxValue));
    }

    [Fact]
    public void Drain_takes_at_most_the_batch_size()
    {
        var buffer = new UsageBuffer(capacity: 100);
        for (var i = 0; i < 50; i++)
        {
            buffer.Record(Record(i));
        }

        var batch = new List<UsageRecord>();

        Assert.Equal(20, buffer.Drain(batch, 20));
        Assert.Equal(30, buffer.Count);
    }

    [Fact]
    public async Task Four_writers_and_a_drainer_lose_nothing_but_what_was_dropped()
    {
        const int perWriter = 200_000;
        var buffer = new UsageBuffer(capacity: 100_000);
        var drained = new List<UsageRecord>();
        using var writersDone = new CancellationTokenSource();
        var drainer = Task.Run(() =>
        {
            var batch = new List<UsageRecord>();
            while (!writersDone.IsCancellationRequested)
            {
                buffer.Drain(batch, 1000);
            }

            buffer.Drain(batch, int.MaxValue);
            drained.AddRange(batch);
        });

        var writers = Enumerable.Range(0, 4).Select(w => Task.Factory.StartNew(
            () =>
            {
                for (var i = 0; i < perWriter; i++)
                {
                    buffer.Record(Record((w * perWriter) + i));
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(writers);
        await writersDone.CancelAsync();
        await drainer;

        var ids = drained.Select(r => r.RequestBytes).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id, 0, (4 * perWriter) - 1));
        Assert.Equal(4L * perWriter, buffer.Recorded);
        Assert.Equal(4L * perWriter, ids.Length + buffer.Dropped);
    }

    private static UsageRecord Record(int id) => new("svc", "route", "app", 200, TimeSpan.FromMilliseconds(3), id, 0);
}
