namespace Resilience.ControlPlane;

/// <summary>Receives the telemetry batches data planes send over the link. Register implementations as services; each gets every batch.</summary>
public interface IDataPlaneTelemetryHandler
{
    /// <summary>Handles one batch. Keep it quick: the data plane's connection waits while it runs.</summary>
    /// <param name="node">The data plane that sent it.</param>
    /// <param name="batch">The batch, decompressed; its format is the sender's (docs/protocol.md).</param>
    /// <param name="cancellationToken">Cancelled when the connection ends.</param>
    /// <returns>A task that completes when the batch is handled.</returns>
    ValueTask HandleAsync(DataPlaneInfo node, ReadOnlyMemory<byte> batch, CancellationToken cancellationToken);
}
