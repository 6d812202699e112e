namespace Resilience.ControlPlane;

/// <summary>
/// Receives the usage records data planes send (docs/protocol.md, <c>telemetry</c>), parsed, with the sending
/// node's identity. Records carry counts and names only, never request or response content. Register with
/// <c>AddDataPlaneUsageSink</c>; a sink that throws is logged and does not affect the connection.
/// </summary>
public interface IDataPlaneUsageSink
{
    /// <summary>Handles one batch.</summary>
    /// <param name="batch">The batch and its sender.</param>
    /// <param name="cancellationToken">Cancelled when the data plane's connection ends.</param>
    /// <returns>
    /// A task that completes when the batch is handled; the next batch of that node waits for it, off the connection's
    /// receive loop, in a queue of <see cref="DataPlaneHubOptions.TelemetryQueueCapacity"/> batches (newer ones are dropped and counted when it is full).
    /// </returns>
    ValueTask ReceiveAsync(DataPlaneUsageBatch batch, CancellationToken cancellationToken);
}
