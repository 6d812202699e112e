using BenchmarkDotNet.Attributes;

namespace Resilience.Benchmarks;

/// <summary>
/// Recording usage on the request path while the buffer is full (a control-plane outage: every record drops
/// the oldest), with 1 writer, as many writers as cores, and twice as many. Time is per record per busy core:
/// each invocation records 200,000 records per core (with 2x cores writers, each writes half), so on a machine
/// that scales perfectly every row takes as long as the one-writer baseline. Target for the striped buffer:
/// at most 1.5x the one-writer cost with as many writers as cores, 0 bytes per record. The shared ring (the
/// buffer before striping) is kept as a second baseline. Because wall time on a loaded machine also counts the
/// time writers waited for a core, each run also prints the writers' CPU time per record (thread CPU clock).
/// </summary>
[MemoryDiagnoser]
public class UsageRecordingBenchmarks
{
    private const int Capacity = 100_000;
    private const int RecordsPerCore = 200_000;
    private static readonly UsageRecord Sample = new("orders", "orders-get", "mobile-app", 200, TimeSpan.FromMilliseconds(4), 512, 2048);
    private static readonly int Cores = Environment.ProcessorCount;
    private UsageBuffer _striped = null!;
    private SharedRingUsageBuffer _shared = null!;
    private WriterGang _coreWriters = null!;
    private WriterGang _twiceCoreWriters = null!;
    private long _cpuNanoseconds;
    private long _cpuRecords;

    [GlobalSetup]
    public void Setup()
    {
        _striped = new UsageBuffer(Capacity);
        _shared = new SharedRingUsageBuffer(Capacity);

        // Start full, as during an outage: every stripe, not just the setup thread's.
        for (var i = 0; i < Capacity; i++)
        {
            _striped.Record(processor: i, Sample);
            _shared.Record(Sample);
        }

        _coreWriters = new WriterGang(Cores);
        _twiceCoreWriters = new WriterGang(2 * Cores);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_cpuRecords > 0)
        {
            Console.WriteLine($"// usage recording: writers' CPU time {(double)_cpuNanoseconds / _cpuRecords:F2} ns per record over {_cpuRecords:N0} records (this benchmark, all invocations)");
        }

        _coreWriters.Dispose();
        _twiceCoreWriters.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = RecordsPerCore, Description = "striped, 1 writer")]
    public void Striped_one_writer() => Write(_striped, RecordsPerCore);

    [Benchmark(OperationsPerInvoke = RecordsPerCore, Description = "striped, writers = cores")]
    public void Striped_writers_as_cores() => _coreWriters.Run(() => Write(_striped, RecordsPerCore));

    [Benchmark(OperationsPerInvoke = RecordsPerCore, Description = "striped, writers = 2x cores")]
    public void Striped_twice_as_many_writers_as_cores() => _twiceCoreWriters.Run(() => Write(_striped, RecordsPerCore / 2));

    [Benchmark(OperationsPerInvoke = RecordsPerCore, Description = "shared ring, 1 writer")]
    public void Shared_one_writer() => Write(_shared, RecordsPerCore);

    [Benchmark(OperationsPerInvoke = RecordsPerCore, Description = "shared ring, writers = cores")]
    public void Shared_writers_as_cores() => _coreWriters.Run(() => Write(_shared, RecordsPerCore));

    [Benchmark(OperationsPerInvoke = RecordsPerCore, Description = "shared ring, writers = 2x cores")]
    public void Shared_twice_as_many_writers_as_cores() => _twiceCoreWriters.Run(() => Write(_shared, RecordsPerCore / 2));

    private void Write(IUsageRecorder recorder, int records)
    {
        var started = ThreadCpuTime.Nanoseconds();
        for (var i = 0; i < records; i++)
        {
            recorder.Record(Sample);
        }

        Interlocked.Add(ref _cpuNanoseconds, ThreadCpuTime.Nanoseconds() - started);
        Interlocked.Add(ref _cpuRecords, records);
    }

    /// <summary>Dedicated writer threads started once, so that an invocation measures recording, not thread-pool injection.</summary>
    private sealed class WriterGang : IDisposable
    {
        private readonly Thread[] _threads;
        private readonly Barrier _barrier;
        private Action? _work;
        private bool _stopping;

        public WriterGang(int writers)
        {
            _barrier = new Barrier(writers + 1);
            _threads = Enumerable.Range(0, writers).Select(i => new Thread(Loop) { IsBackground = true, Name = $"usage-writer-{i}" }).ToArray();
            foreach (var thread in _threads)
            {
                thread.Start();
            }
        }

        public void Run(Action work)
        {
            _work = work;
            _barrier.SignalAndWait();
            _barrier.SignalAndWait();
        }

        public void Dispose()
        {
            _stopping = true;
            _barrier.SignalAndWait();
            foreach (var thread in _threads)
            {
                thread.Join();
            }

            _barrier.Dispose();
        }

        private void Loop()
        {
            while (true)
            {
                _barrier.SignalAndWait();
                if (_stopping)
                {
                    return;
                }

                _work!();
                _barrier.SignalAndWait();
            }
        }
    }
}
