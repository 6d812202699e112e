namespace Resilience;

/// <summary>
/// The sending side of the usage buffer behind <see cref="IUsageRecorder"/>: what a link needs to ship records to
/// the control plane (drain a batch, report the drop count) and to publish the buffer's metrics. The request path
/// uses <see cref="IUsageRecorder"/>; only the link drains.
/// </summary>
public interface IUsageDrain
{
    /// <summary>Gets the most records the buffer holds (<see cref="TelemetryOptions.BufferSizeLimit"/>).</summary>
    int Capacity { get; }

    /// <summary>Gets how many records were recorded since the node started.</summary>
    long Recorded { get; }

    /// <summary>Gets how many records were dropped (the oldest, when the buffer was full) since the node started.</summary>
    long Dropped { get; }

    /// <summary>Gets how many records wait to be drained (at most <see cref="Capacity"/>).</summary>
    int Count { get; }

    /// <summary>Moves up to <paramref name="max"/> records into <paramref name="batch"/>, oldest first within each of the buffer's rings.</summary>
    /// <param name="batch">Receives the records.</param>
    /// <param name="max">The most records to move.</param>
    /// <returns>How many were moved.</returns>
    int Drain(List<UsageRecord> batch, int max);
}
