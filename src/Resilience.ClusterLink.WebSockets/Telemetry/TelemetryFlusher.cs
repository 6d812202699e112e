using Microsoft.Extensions.Logging;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// Sends the usage buffer to the control plane while a connection is up: once when the connection is
/// established (what accumulated during an outage), then every <see cref="TelemetryOptions.FlushInterval"/>.
/// Each flush drains batches of up to <see cref="TelemetryOptions.MaxBatchSize"/> until the buffer is empty.
/// A batch whose send fails is held (at most one batch beyond the buffer limit) and sent first on the next
/// connection, so the control plane receives every record that was not dropped.
/// </summary>
internal sealed class TelemetryFlusher : IDisposable
{
    private readonly IUsageDrain _buffer;
    private readonly TelemetryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<UsageRecord> _scratch = [];
    private HeldBatch? _held;
    private long _droppedReported;

    public TelemetryFlusher(IUsageDrain buffer, TelemetryOptions options, TimeProvider timeProvider, ILogger logger, System.Diagnostics.Metrics.IMeterFactory? meterFactory)
    {
        _buffer = buffer;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        Metrics = new TelemetryMetrics(meterFactory, buffer, () => Held);
    }

    public IUsageDrain Buffer => _buffer;

    public TelemetryMetrics Metrics { get; }

    /// <summary>Gets how many records a batch held for resend carries (0 when none).</summary>
    public int Held => Volatile.Read(ref _held)?.Records ?? 0;

    public void Dispose()
    {
        Metrics.Dispose();
        _gate.Dispose();
    }

    /// <summary>Runs for one connection: flushes at once, then every interval, until cancelled or a send fails.</summary>
    /// <param name="send">Sends one binary message over the connection (under its send lock).</param>
    /// <param name="cancellationToken">Ends with the connection.</param>
    public async Task RunAsync(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        while (true)
        {
            await FlushAsync(send, cancellationToken).ConfigureAwait(false);
            await Task.Delay(_options.FlushInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the held batch, then everything buffered now. Returns how many records were sent.</summary>
    public async Task<int> FlushAsync(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sent = 0;

            // Bounded: a flood of new records cannot keep one flush going forever.
            var rounds = (_buffer.Capacity / _options.MaxBatchSize) + 2;
            for (var round = 0; round < rounds; round++)
            {
                var held = Volatile.Read(ref _held);
                var batch = held ?? Take();
                if (batch is null)
                {
                    break;
                }

                try
                {
                    await send(batch.Message, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Metrics.RecordSendFailure();
                    if (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        Log.TelemetrySendFailed(_logger, batch.Records, ex.Message);
                    }

                    throw;
                }

                Volatile.Write(ref _held, null);
                Metrics.RecordSent(batch.Records);
                Log.TelemetrySent(_logger, batch.Records, batch.Message.Length);
                sent += batch.Records;
                if (held is null && batch.Records < _options.MaxBatchSize)
                {
                    // The buffer had less than a full batch: it is empty now.
                    break;
                }
            }

            var dropped = _buffer.Dropped;
            if (dropped > _droppedReported)
            {
                _droppedReported = dropped;
                Log.TelemetryDropping(_logger, dropped);
            }

            return sent;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drains and encodes the next batch and holds it until it is sent.</summary>
    private HeldBatch? Take()
    {
        _scratch.Clear();
        var count = _buffer.Drain(_scratch, _options.MaxBatchSize);
        if (count == 0)
        {
            return null;
        }

        var (gzip, size) = TelemetryBatch.Encode(_scratch, _buffer.Dropped);
        _scratch.Clear();
        var header = new BinaryHeader
        {
            Type = LinkProtocol.Types.Telemetry,
            Timestamp = _timeProvider.GetUtcNow(),
            Encoding = LinkProtocol.Encodings.Gzip,
            Size = size,
        };
        var batch = new HeldBatch(LinkFraming.EncodeBinary(header, gzip), count);
        Volatile.Write(ref _held, batch);
        return batch;
    }

    private sealed record HeldBatch(byte[] Message, int Records);
}
