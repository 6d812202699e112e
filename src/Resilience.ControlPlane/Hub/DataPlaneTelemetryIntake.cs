using System.Threading.Channels;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane;

/// <summary>
/// The telemetry intake of one data plane's connection. Handlers and sinks are code we do not own: they run off the
/// receive loop, behind a bounded queue, so a slow one never holds heartbeats or apply results. A full queue drops the
/// newest batch and counts it.
/// </summary>
internal sealed class DataPlaneTelemetryIntake
{
    private readonly DataPlaneSessionServices _services;
    private readonly Channel<TelemetryDelivery> _telemetry;
    private long _telemetryDropped;
    private bool _dropping;

    public DataPlaneTelemetryIntake(DataPlaneSessionServices services)
    {
        _services = services;
        _telemetry = Channel.CreateBounded<TelemetryDelivery>(new BoundedChannelOptions(services.Options.TelemetryQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
    }

    /// <summary>Ends the queue: <see cref="DeliverAsync"/> finishes what is queued, then returns.</summary>
    public void Complete() => _telemetry.Writer.TryComplete();

    /// <summary>
    /// Takes one <c>telemetry</c> message: decodes it under <see cref="DataPlaneHubOptions.MaxTelemetryDecompressedBytes"/>,
    /// counts it in the registry and queues it for the handlers and sinks (a full queue drops it, counted and logged once).
    /// </summary>
    /// <exception cref="LinkProtocolException">The gzip payload is refused (too large or damaged): the connection ends.</exception>
    public void Accept(string nodeId, BinaryHeader header, ReadOnlyMemory<byte> payload)
    {
        var batch = payload;
        if (string.Equals(header.Encoding, LinkProtocol.Encodings.Gzip, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                batch = BoundedGzip.Decompress(payload, _services.Options.MaxTelemetryDecompressedBytes);
            }
            catch (GzipContentException ex)
            {
                throw LinkProtocolException.Malformed($"a telemetry batch is refused: {ex.Message}", ex);
            }
        }

        var receivedAt = _services.Time.GetUtcNow();
        List<UsageRecord>? records = null;
        long droppedTotal = 0;
        try
        {
            (records, droppedTotal) = TelemetryBatch.Decode(batch);
        }
        catch (FormatException ex)
        {
            // Raw handlers still get the bytes; counters and sinks need records. The connection stays.
            Log.TelemetryMalformed(_services.Logger, nodeId, ex.Message);
        }

        _services.Registry.Update(nodeId, old => (old ?? new DataPlaneInfo { NodeId = nodeId }) with
        {
            LastSeen = receivedAt,
            TelemetryBatches = (old?.TelemetryBatches ?? 0) + 1,
            TelemetryRecords = (old?.TelemetryRecords ?? 0) + (records?.Count ?? 0),
            TelemetryDropped = records is null ? old?.TelemetryDropped ?? 0 : droppedTotal,
            LastTelemetryAt = receivedAt,
        });
        if (_services.TelemetryHandlers.Count == 0 && _services.UsageSinks.Count == 0)
        {
            return;
        }

        var node = _services.Registry.Find(nodeId) ?? new DataPlaneInfo { NodeId = nodeId };
        var parsed = records is null ? null : new DataPlaneUsageBatch(node, records, droppedTotal, header.Timestamp, receivedAt);
        if (_telemetry.Writer.TryWrite(new TelemetryDelivery(node, batch, parsed)))
        {
            _dropping = false;
            return;
        }

        var dropped = ++_telemetryDropped;
        _services.Metrics.RecordTelemetryDropped();
        if (!_dropping)
        {
            // One line when dropping starts (and again after the queue drained), not one per batch.
            _dropping = true;
            Log.TelemetryQueueFull(_services.Logger, nodeId, _services.Options.TelemetryQueueCapacity, dropped);
        }
    }

    /// <summary>Hands queued batches to the raw handlers, then the parsed ones to the usage sinks, one batch at a time.</summary>
    public async Task DeliverAsync(string nodeId, CancellationToken token)
    {
        await foreach (var delivery in _telemetry.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            foreach (var handler in _services.TelemetryHandlers)
            {
                try
                {
                    await handler.HandleAsync(delivery.Node, delivery.Raw, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    Log.TelemetryHandlerFailed(_services.Logger, nodeId, ex);
                }
            }

            if (delivery.Parsed is not { } parsed)
            {
                continue;
            }

            foreach (var sink in _services.UsageSinks)
            {
                try
                {
                    await sink.ReceiveAsync(parsed, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    Log.TelemetryHandlerFailed(_services.Logger, nodeId, ex);
                }
            }
        }
    }

    /// <summary>A telemetry batch waiting for the handlers (raw) and sinks (parsed, when it was valid).</summary>
    private sealed record TelemetryDelivery(DataPlaneInfo Node, ReadOnlyMemory<byte> Raw, DataPlaneUsageBatch? Parsed);
}
