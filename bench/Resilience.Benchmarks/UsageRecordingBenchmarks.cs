using System.Threading.Channels;
using BenchmarkDotNet.Attributes;

namespace Resilience.Benchmarks;

/// <summary>
/// Recording usage on the request path while the buffer is full (a control-plane outage: every
/// record drops the oldest). Target: at least 3x the throughput of a bounded channel with
/// DropOldest of the same capacity, 0 bytes allocated per record.
/// </summary>
[MemoryDiagnoser]
public class UsageRecordingBenchmarks
{
    private const int Capacity = 100_000;
    private const int RecordsPerWriter = 200_000;
    private static readonly UsageRecord Sample = new("orders", "orders-get", "mobile-app", 200, TimeSpan.FromMilliseconds(4), 512, 2048);
    private UsageBuffer _buffer = null!;
    private Channel<UsageRecord> _channel = null!;

    [Params(1, 4)]
    public int Writers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _buffer = new UsageBuffer(Capacity);
        _channel = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest });

        // Start full, as during an outage.
        for (var i = 0; i < Capacity; i++)
        {
            _buffer.Record(Sample);
            _channel.Writer.TryWrite(Sample);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = RecordsPerWriter)]
    public void BoundedChannelDropOldest() => Run(static state =>
    {
        var writer = ((Channel<UsageRecord>)state).Writer;
        for (var i = 0; i < RecordsPerWriter; i++)
        {
            writer.TryWrite(Sample);
        }
    }, _channel);

    [Benchmark(OperationsPerInvoke = RecordsPerWriter)]
    public void UsageBuffer() => Run(static state =>
    {
        var buffer = (UsageBuffer)state;
        for (var i = 0; i < RecordsPerWriter; i++)
        {
            buffer.Record(Sample);
        }
    }, _buffer);

    /// <summary>Each writer records <see cref="RecordsPerWriter"/>; the result is time per record per writer.</summary>
    private void Run(Action<object> write, object state)
    {
        if (Writers == 1)
        {
            write(state);
            return;
        }

        Parallel.For(0, Writers, new ParallelOptions { MaxDegreeOfParallelism = Writers }, _ => write(state));
    }
}
