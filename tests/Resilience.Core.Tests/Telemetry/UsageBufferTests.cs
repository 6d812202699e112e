namespace Resilience.Tests.Telemetry;

/// <summary>
/// The bounded, striped usage buffer: the limit split exactly, every stripe filled before anything is
/// dropped, drop-oldest per stripe, and nothing lost or duplicated under concurrent writers and a drainer.
/// </summary>
public sealed class UsageBufferTests
{
    [Fact]
    public void One_stripe_drops_the_oldest_across_the_buffer_and_counts_it()
    {
        var buffer = new UsageBuffer(capacity: 10, stripes: 1);
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

    [Fact]
    public void A_full_stripe_spills_into_one_with_room_and_only_when_all_are_full_drops_the_oldest_of_its_own()
    {
        var buffer = new UsageBuffer(capacity: 8, stripes: 2);
        for (var i = 0; i < 4; i++)
        {
            buffer.Record(processor: 0, Record(i));
        }

        buffer.Record(processor: 1, Record(4));
        buffer.Record(processor: 1, Record(5));

        // Stripe 0 is full: these two go to stripe 1, which still has room. Nothing is dropped.
        buffer.Record(processor: 0, Record(6));
        buffer.Record(processor: 0, Record(7));
        Assert.Equal(8, buffer.Count);
        Assert.Equal(0, buffer.Dropped);

        // Every stripe is full: each record drops the oldest of its processor's stripe (0, 1, 2, 3), not of the buffer.
        for (var i = 8; i < 12; i++)
        {
            buffer.Record(processor: 0, Record(i));
        }

        var batch = new List<UsageRecord>();
        buffer.Drain(batch, int.MaxValue);

        Assert.Equal([4, 5, 6, 7, 8, 9, 10, 11], batch.Select(r => (int)r.RequestBytes).Order());
        Assert.Equal(4, buffer.Dropped);
        Assert.Equal(12, buffer.Recorded);
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Within_a_stripe_records_drain_oldest_first()
    {
        var buffer = new UsageBuffer(capacity: 6, stripes: 2);
        for (var i = 0; i < 5; i++)
        {
            buffer.Record(processor: 1, Record(i));
            buffer.Record(processor: 2, Record(100 + i));
        }

        var batch = new List<UsageRecord>();
        buffer.Drain(batch, int.MaxValue);

        var ids = batch.Select(r => (int)r.RequestBytes).ToArray();
        Assert.Equal([2, 3, 4], ids.Where(id => id < 100));
        Assert.Equal([102, 103, 104], ids.Where(id => id >= 100));
        Assert.Equal(4, buffer.Dropped);
    }

    [Fact]
    public void A_processor_id_beyond_the_stripe_count_maps_onto_a_stripe()
    {
        var buffer = new UsageBuffer(capacity: 4, stripes: 2);

        buffer.Record(processor: 130, Record(1));
        buffer.Record(processor: int.MaxValue, Record(2));

        Assert.Equal(2, buffer.Count);
    }

    [Theory]
    [InlineData(100_000, 2)]
    [InlineData(100_000, 64)]
    [InlineData(10, 4)]
    [InlineData(7, 4)]
    [InlineData(1, 1)]
    [InlineData(64, 64)]
    public void The_stripes_capacities_add_up_to_exactly_the_limit(int capacity, int stripes)
    {
        var buffer = new UsageBuffer(capacity, stripes);

        Assert.Equal(capacity, buffer.StripeCapacities.Sum());
        Assert.Equal(capacity, buffer.Capacity);
        Assert.InRange(buffer.StripeCapacities.Max() - buffer.StripeCapacities.Min(), 0, 1);
    }

    [Theory]
    [InlineData(100_000, 2, 2)]
    [InlineData(100_000, 3, 4)]
    [InlineData(100_000, 64, 64)]
    [InlineData(100_000, 200, 64)]
    [InlineData(3, 8, 2)]
    [InlineData(1, 16, 1)]
    public void The_default_stripe_count_is_the_processor_count_rounded_up_to_a_power_of_two(int capacity, int processors, int expected)
    {
        Assert.Equal(expected, UsageBuffer.DefaultStripeCount(capacity, processors));
        Assert.Equal(expected, new UsageBuffer(capacity, UsageBuffer.DefaultStripeCount(capacity, processors)).StripeCapacities.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(128)]
    public void A_stripe_count_that_is_not_a_power_of_two_up_to_64_is_refused(int stripes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new UsageBuffer(1_000, stripes));
    }

    [Theory]
    [InlineData(100_000, 1)]
    [InlineData(100_000, 2)]
    [InlineData(100_000, 8)]
    [InlineData(10, 2)]
    [InlineData(1, 1)]
    public void Capacity_is_exactly_the_limit_with_concurrent_writers(int capacity, int stripes)
    {
        var buffer = new UsageBuffer(capacity, stripes);
        Parallel.For(0, capacity * 3, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => buffer.Record(Record(i)));

        Assert.Equal(capacity, buffer.Count);
        var batch = new List<UsageRecord>();
        Assert.Equal(capacity, buffer.Drain(batch, int.MaxValue));
        Assert.Equal(capacity * 3L, batch.Count + buffer.Dropped);
    }

    [Fact]
    public void Drain_takes_at_most_the_batch_size()
    {
        var buffer = new UsageBuffer(capacity: 100, stripes: 4);
        for (var i = 0; i < 50; i++)
        {
            buffer.Record(processor: i, Record(i));
        }

        var batch = new List<UsageRecord>();

        Assert.Equal(20, buffer.Drain(batch, 20));
        Assert.Equal(30, buffer.Count);
        Assert.Equal(30, buffer.Drain(batch, 1_000));
        Assert.Equal(Enumerable.Range(0, 50), batch.Select(r => (int)r.RequestBytes).Order());
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(8, false)]
    [InlineData(8, true)]
    public async Task Concurrent_writers_and_a_drainer_never_exceed_the_limit_and_lose_nothing_but_what_was_dropped(int stripes, bool writerPerStripe)
    {
        const int Writers = 8;
        const int PerWriter = 100_000;
        const int Capacity = 10_000;
        var buffer = new UsageBuffer(Capacity, stripes);
        var drained = new List<UsageRecord>();
        var mostHeld = 0;
        using var writersDone = new CancellationTokenSource();
        var drainer = Task.Run(() =>
        {
            var batch = new List<UsageRecord>();
            while (!writersDone.IsCancellationRequested)
            {
                mostHeld = Math.Max(mostHeld, buffer.Count);
                var before = batch.Count;
                buffer.Drain(batch, 1000);
                Assert.InRange(batch.Count - before, 0, 1000);
            }

            buffer.Drain(batch, int.MaxValue);
            drained.AddRange(batch);
        });

        // With writerPerStripe each writer acts as its own processor, so that eight stripes see eight writers on a two-core machine.
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(
            () =>
            {
                for (var i = 0; i < PerWriter; i++)
                {
                    var record = Record((w * PerWriter) + i);
                    if (writerPerStripe)
                    {
                        buffer.Record(w, record);
                    }
                    else
                    {
                        buffer.Record(record);
                    }
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(writers);
        await writersDone.CancelAsync();
        await drainer;

        var ids = drained.Select(r => r.RequestBytes).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id, 0, ((long)Writers * PerWriter) - 1));
        Assert.Equal((long)Writers * PerWriter, buffer.Recorded);
        Assert.Equal((long)Writers * PerWriter, ids.Length + buffer.Dropped);
        Assert.Equal(0, buffer.Count);
        Assert.InRange(mostHeld, 0, Capacity);
    }

    private static UsageRecord Record(int id) => new("svc", "route", "app", 200, TimeSpan.FromMilliseconds(3), id, 0);
}
