using System.Net.WebSockets;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>The flusher on a fake clock with a fake sender: when batches go, how big they are, what happens when a send fails.</summary>
public sealed class TelemetryFlusherTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(BinaryHeader Header, List<UsageRecord> Records, long Dropped)> _sent = [];
    private UsageBuffer _buffer = null!;
    private TelemetryFlusher _flusher = null!;

    [Fact]
    public async Task Buffered_records_go_at_once_when_the_connection_is_up_then_every_flush_interval()
    {
        Create(capacity: 100, interval: TimeSpan.FromSeconds(1), maxBatch: 50);
        Record(1, 3);

        var running = _flusher.RunAsync(SendAsync, _stop.Token);
        await Wait.UntilAsync(() => Sent == 1, "the first flush");
        Assert.Equal([1, 2, 3], Ids(0));
        Assert.Equal(LinkProtocol.Encodings.Gzip, _sent[0].Header.Encoding);

        Record(4, 5);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, Sent);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await Wait.UntilAsync(() => Sent == 2, "the flush one interval later");
        Assert.Equal([4, 5], Ids(1));
        Assert.False(running.IsCompleted);
    }

    [Fact]
    public async Task An_empty_buffer_sends_nothing()
    {
        Create(capacity: 100, interval: TimeSpan.FromSeconds(1), maxBatch: 50);

        Assert.Equal(0, await _flusher.FlushAsync(SendAsync, default));

        Assert.Equal(0, Sent);
    }

    [Fact]
    public async Task One_flush_sends_everything_buffered_in_batches_of_at_most_MaxBatchSize()
    {
        Create(capacity: 100, interval: TimeSpan.FromSeconds(1), maxBatch: 10);
        Record(1, 25);

        Assert.Equal(25, await _flusher.FlushAsync(SendAsync, default));

        Assert.Equal([10, 10, 5], _sent.Select(s => s.Records.Count));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), _sent.SelectMany(s => s.Records).Select(r => r.RequestBytes));
        Assert.All(_sent, s => Assert.True(s.Header.Size > 0));
    }

    [Fact]
    public async Task A_batch_whose_send_failed_is_held_and_sent_first_on_the_next_connection()
    {
        Create(capacity: 100, interval: TimeSpan.FromSeconds(1), maxBatch: 10);
        using var sent = new MetricCollector<long>(_flusher.Metrics.Meter, "resilience.telemetry.sent");
        using var buffered = new MetricCollector<int>(_flusher.Metrics.Meter, "resilience.telemetry.buffered");
        using var sendFailures = new MetricCollector<long>(_flusher.Metrics.Meter, "resilience.telemetry.send_failures");
        Record(1, 5);

        await Assert.ThrowsAsync<WebSocketException>(() => _flusher.FlushAsync((_, _) => throw new WebSocketException("connection reset"), default));
        Assert.Equal(5, _flusher.Held);
        Assert.Equal(0, _buffer.Count);
        Record(6, 8);
        buffered.RecordObservableInstruments();
        Assert.Equal(8, buffered.LastMeasurement!.Value);
        Assert.Empty(sent.GetMeasurementSnapshot());
        Assert.Equal(1, sendFailures.GetMeasurementSnapshot().EvaluateAsCounter());

        Assert.Equal(8, await _flusher.FlushAsync(SendAsync, default));

        Assert.Equal([1, 2, 3, 4, 5], Ids(0));
        Assert.Equal([6, 7, 8], Ids(1));
        Assert.Equal(0, _flusher.Held);
        Assert.Equal(8, sent.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task Records_dropped_while_disconnected_are_the_oldest_and_the_batch_reports_the_total_dropped()
    {
        Create(capacity: 10, interval: TimeSpan.FromSeconds(1), maxBatch: 100);
        using var recorded = new MetricCollector<long>(_flusher.Metrics.Meter, "resilience.telemetry.recorded");
        using var dropped = new MetricCollector<long>(_flusher.Metrics.Meter, "resilience.telemetry.dropped");
        Record(1, 25);

        await _flusher.FlushAsync(SendAsync, default);

        Assert.Equal(Enumerable.Range(16, 10).Select(i => (long)i), Ids(0));
        Assert.Equal(15, _sent[0].Dropped);
        Assert.Equal(25, _buffer.Recorded);
        Assert.Equal(15, _buffer.Dropped);
        recorded.RecordObservableInstruments();
        dropped.RecordObservableInstruments();
        Assert.Equal(25, recorded.LastMeasurement!.Value);
        Assert.Equal(15, dropped.LastMeasurement!.Value);
    }

    [Fact]
    public void Batch_format_round_trips_names_status_latency_and_sizes()
    {
        var record = new UsageRecord("orders", "orders-get", "mobile", 503, TimeSpan.FromMilliseconds(12.5), 10, 20);
        var (gzip, size) = TelemetryBatch.Encode([record, new UsageRecord(null, null, null, 200, TimeSpan.Zero, 0, 0)], 7);

        var (records, dropped) = TelemetryBatch.Decode(TestGzip.Decompress(gzip));

        Assert.Equal(7, dropped);
        Assert.Equal(record.Service, records[0].Service);
        Assert.Equal(record.Route, records[0].Route);
        Assert.Equal(record.Consumer, records[0].Consumer);
        Assert.Equal(503, records[0].StatusCode);
        Assert.Equal(record.Latency, records[0].Latency);
        Assert.Equal((10L, 20L), (records[0].RequestBytes, records[0].ResponseBytes));
        Assert.Null(records[1].Service);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _flusher?.Dispose();
    }

    private int Sent
    {
        get
        {
            lock (_sent)
            {
                return _sent.Count;
            }
        }
    }

    private void Create(int capacity, TimeSpan interval, int maxBatch)
    {
        // One stripe: these tests check the order records are sent in, which is global only within a stripe.
        _buffer = new UsageBuffer(capacity, stripes: 1);
        _flusher = new TelemetryFlusher(_buffer, new TelemetryOptions { BufferSizeLimit = capacity, FlushInterval = interval, MaxBatchSize = maxBatch }, _time, NullLogger.Instance, null);
    }

    private void Record(int from, int to)
    {
        for (var id = from; id <= to; id++)
        {
            _buffer.Record(new UsageRecord("svc", "route", "app", 200, TimeSpan.FromMilliseconds(1), id, 0));
        }
    }

    private long[] Ids(int batch)
    {
        lock (_sent)
        {
            return _sent[batch].Records.Select(r => r.RequestBytes).ToArray();
        }
    }

    private ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var bytes = message.ToArray();
        var (header, payload) = LinkFraming.DecodeBinary(new LinkFrame(WebSocketMessageType.Binary, bytes, bytes.Length));
        Assert.Equal(LinkProtocol.Types.Telemetry, header.Type);
        var (records, dropped) = TelemetryBatch.Decode(TestGzip.Decompress(payload));
        lock (_sent)
        {
            _sent.Add((header, records, dropped));
        }

        return ValueTask.CompletedTask;
    }
}
